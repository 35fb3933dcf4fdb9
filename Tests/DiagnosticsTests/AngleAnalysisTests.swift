import Foundation
import Merging
import SafeTensors
import TestSupport
import Testing

@testable import Diagnostics

/// Small chunks so chunk and block boundaries fall inside tensors.
func smallAnalysis(_ g: Granularity) -> AngleAnalysis {
    AngleAnalysis(granularity: g, threads: 2, chunkElements: 37)
}

struct KnownCase: Sendable, CustomTestStringConvertible {
    var name: String
    var angles: [Double]
    var scales: [Float]
    var testDescription: String { name }
}

let knownCases: [KnownCase] = [
    KnownCase(name: "orthogonal, equal norms", angles: [0, 90], scales: [1, 1]),
    KnownCase(name: "orthogonal, norms 1.5x", angles: [0, 90], scales: [1, 1.5]),
    KnownCase(name: "parallel, equal norms", angles: [30, 30], scales: [1, 1]),
    KnownCase(name: "parallel, norms 3x", angles: [30, 30], scales: [0.5, 1.5]),
    KnownCase(name: "antiparallel", angles: [0, 180], scales: [1, 1]),
    KnownCase(name: "60 degrees", angles: [10, 70], scales: [2, 2]),
    KnownCase(name: "three models", angles: [0, 45, 90], scales: [1, 1, 2]),
]

@Test(arguments: knownCases, Granularity.allCases)
func knownAnglesMatchClosedFormAndDoubleReference(_ c: KnownCase, _ g: Granularity) throws {
    let family = KnownFamily(angles: c.angles, scales: c.scales)
    let report = try smallAnalysis(g).run(models: family.models, initial: family.base)
    #expect(report.groups.count == Grouping.groups(family.base.tensors, by: g).count)
    for group in report.groups {
        let t = try #require(group.taskVectors)
        let ref = try referenceGram(
            models: family.models, base: family.base, tensors: group.tensors)
        let refTask = GramStats(count: c.angles.count, gram: ref.task)
        let refWeight = GramStats(count: c.angles.count, gram: ref.weight)
        for (i, j) in report.pairs {
            // Closed form: Ω = |α_i − α_j|, ratio = scale_i / scale_j.
            // Near 0° with unequal norms and near 180° the angle is ill-conditioned in the
            // sums (an error ε in cos moves it by √(2ε)): there only cos is held tight.
            let expected = abs(c.angles[i] - c.angles[j])
            let degenerate = (expected == 0 && c.scales[i] != c.scales[j]) || expected == 180
            #expect(
                abs(try #require(t.degrees(i, j)) - expected) < (degenerate ? 0.1 : 1e-3),
                "\(group.name) \(i)-\(j)")
            #expect(close(t.cos(i, j), cos(expected * .pi / 180), 1e-5))
            #expect(close(t.normRatio(i, j), Double(c.scales[i] / c.scales[j]), 1e-5))
            // Double reference.
            #expect(close(t.cos(i, j), refTask.cos(i, j), 1e-6))
            #expect(close(group.weights.cos(i, j), refWeight.cos(i, j), 1e-6))
            #expect(close(group.weights.degrees(i, j), refWeight.degrees(i, j), 1e-4))
        }
        for m in c.angles.indices {
            #expect(close(t.norm(m), refTask.norm(m), 1e-6))
            #expect(close(group.weights.norm(m), refWeight.norm(m), 1e-6))
        }
    }
}

@Test(arguments: [DType.bf16, .f16, .f32], [1, 3])
func matchesDoubleReferenceForEveryDtypeAndThreadCount(_ dtype: DType, _ threads: Int) throws {
    let family = KnownFamily(
        angles: [5, 80, 150], scales: [0.01, 0.02, 0.015], dtype: dtype, seed: 7)
    let analysis = AngleAnalysis(
        granularity: .layer, threads: threads, chunkElements: 33)
    let report = try analysis.run(models: family.models, initial: family.base)
    for group in report.groups {
        let ref = try referenceGram(
            models: family.models, base: family.base, tensors: group.tensors)
        let refTask = GramStats(count: 3, gram: ref.task)
        for (i, j) in report.pairs {
            #expect(close(group.taskVectors?.cos(i, j), refTask.cos(i, j), 1e-6))
        }
    }
}

@Test func resultsDoNotDependOnThreads() throws {
    let family = KnownFamily(angles: [0, 87, 93], scales: [1, 1.1, 0.9], seed: 3)
    let one = try AngleAnalysis(threads: 1, chunkElements: 17)
        .run(models: family.models, initial: family.base)
    let four = try AngleAnalysis(threads: 4, chunkElements: 17)
        .run(models: family.models, initial: family.base)
    #expect(one == four)
}

@Test func withoutInitOnlyWeightsAreCompared() throws {
    let family = KnownFamily(angles: [0, 90], scales: [1, 1])
    let report = try smallAnalysis(.model).run(models: family.models, initial: nil)
    #expect(report.initLabel == nil)
    #expect(report.groups.count == 1)
    #expect(report.groups[0].taskVectors == nil)
    let ref = try referenceGram(models: family.models, base: nil, tensors: report.groups[0].tensors)
    #expect(
        close(
            report.groups[0].weights.cos(0, 1), GramStats(count: 2, gram: ref.weight).cos(0, 1),
            1e-6))
    #expect(report.values(.taskCosine).isEmpty)
}

@Test func tinyWeightAnglesStayAccurate() throws {
    // θ ≈ 1000 with task vectors ~1e-3: ω ≈ 1e-6 rad, where θ·θ/(‖θ‖‖θ‖) rounds to 1.
    var rng = SplitMix64(seed: 11)
    let base = InMemoryStore(label: "b"), a = InMemoryStore(label: "a"),
        c = InMemoryStore(label: "c")
    let n = 4096
    let initial = (0..<n).map { _ in 1000 + rng.gaussian() }
    let d1 = (0..<n).map { k in k % 2 == 0 ? Float(1e-3) * rng.gaussian() : 0 }
    let d2 = (0..<n).map { k in k % 2 == 1 ? Float(1e-3) * rng.gaussian() : 0 }
    base.set("w", shape: [n], floats: initial)
    a.set("w", shape: [n], floats: zip(initial, d1).map { $0 + $1 })
    c.set("w", shape: [n], floats: zip(initial, d2).map { $0 + $1 })
    let report = try AngleAnalysis(granularity: .model).run(models: [a, c], initial: base)
    let ref = try referenceGram(models: [a, c], base: base, tensors: ["w"])
    // Reference ω from the three sides in Double: ‖θ1‖, ‖θ2‖, ‖θ1 − θ2‖.
    let x1 = try a.floats(of: "w"), x2 = try c.floats(of: "w")
    let d = zip(x1, x2).reduce(0.0) {
        $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1))
    }
    let sides = GramStats(count: 2, gram: ref.weight, differenceGram: [0, d, d, 0])
    let omega = try #require(report.groups[0].weights.degrees(0, 1))
    #expect(omega > 0)
    #expect(abs(omega - sides.degrees(0, 1)!) < 1e-3 * sides.degrees(0, 1)!)
}

@Test func hugeButFiniteWeightsUseTheExactPath() throws {
    let family = KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
        store.set(
            "big", shape: [64], floats: (0..<64).map { Float($0 % 7 + 1) * 1e20 + Float(m) * 1e19 })
    }
    let report = try AngleAnalysis(granularity: .tensor).run(
        models: family.models, initial: family.base)
    let big = try #require(report.groups.first { $0.name == "big" })
    let ref = try referenceGram(models: family.models, base: family.base, tensors: ["big"])
    #expect(big.weights.norms.allSatisfy { $0.isFinite })
    #expect(close(big.weights.cos(0, 1), GramStats(count: 2, gram: ref.weight).cos(0, 1), 1e-9))
}

@Test func integerTensorsAreSkipped() throws {
    let family = KnownFamily(angles: [0, 90], scales: [1, 1]) { store, _ in
        store.set(
            TensorInfo(name: "model.layers.0.idx", dtype: .i32, shape: [2]),
            bytes: [1, 0, 0, 0, 2, 0, 0, 0])
    }
    let report = try smallAnalysis(.layer).run(models: family.models, initial: family.base)
    #expect(report.skipped == ["model.layers.0.idx"])
    #expect(!report.groups.contains { $0.tensors.contains("model.layers.0.idx") })
    #expect(report.table().contains("skipped 1 non-float"))
}
