import Foundation
import Merging
import SafeTensors
import TestSupport
import Testing

@testable import Diagnostics

@Test func zeroTaskVectorWarns() throws {
    // Model 2 equals the init in block 1.
    let family = KnownFamily(angles: [0, 90], scales: [1, 1])
    for name in ["model.layers.1.self_attn.q_proj.weight", "model.layers.1.mlp.up_proj.weight"] {
        let info = try #require(family.base.info(name))
        family.models[1].set(info, bytes: try family.base.bytes(of: name))
    }
    let report = try smallAnalysis(.layer).run(models: family.models, initial: family.base)
    let block1 = try #require(report.groups.first { $0.name == "model.layers.1" })
    #expect(block1.warnings.contains { $0.contains("task vector of m2 is zero") })
    #expect(block1.taskVectors?.cos(0, 1) == nil)
    #expect(block1.taskVectors?.degrees(0, 1) == nil)
    let block0 = try #require(report.groups.first { $0.name == "model.layers.0" })
    #expect(block0.warnings.isEmpty)
    #expect(report.json().contains("[1.0, null]"))
}

@Test(arguments: [(Float(1.5), false), (2.5, true), (0.3, true)])
func normsApartWarnAboveTwoX(_ scale: Float, _ warns: Bool) throws {
    let family = KnownFamily(angles: [0, 90], scales: [1, scale])
    let report = try smallAnalysis(.model).run(models: family.models, initial: family.base)
    let w = report.groups[0].warnings.filter {
        $0.contains("task-vector norms of m1 and m2 differ")
    }
    #expect(w.isEmpty != warns)
}

@Test func outlyingAngleWarnsOnlyThere() throws {
    // Eight single-tensor groups near 90°, one at 30°.
    var rng = SplitMix64(seed: 5)
    let base = InMemoryStore(label: "b"), a = InMemoryStore(label: "a"),
        c = InMemoryStore(label: "c")
    let angles: [Double] = [88, 91, 90, 89.5, 92, 30, 90.5, 89, 91.5]
    for (k, alpha) in angles.enumerated() {
        let n = 64
        let u = (0..<n).map { i in i % 2 == 0 ? rng.gaussian() : 0 }
        let v = (0..<n).map { i in i % 2 == 1 ? u[i - 1] : 0 }
        let cs = Float(cos(alpha * .pi / 180)), sn = Float(sin(alpha * .pi / 180))
        let name = "model.layers.\(k).w"
        base.set(name, shape: [n], floats: Array(repeating: 0.5, count: n))
        a.set(name, shape: [n], floats: u.map { 0.5 + $0 })
        c.set(name, shape: [n], floats: (0..<n).map { 0.5 + cs * u[$0] + sn * v[$0] })
    }
    let report = try AngleAnalysis(granularity: .layer).run(models: [a, c], initial: base)
    let flagged = report.groups.filter { g in
        g.warnings.contains { $0.contains("far from the family's median") }
    }
    #expect(flagged.map(\.name) == ["model.layers.5"])
    let rule = try #require(AngleWarnings().outlierRule(report))
    #expect(abs(rule.median - 90) < 0.6)
    #expect(rule.threshold == 15)
}

@Test func medianAndRule() {
    #expect(AngleWarnings.median([3, 1, 2]) == 2)
    #expect(AngleWarnings.median([4, 1, 2, 3]) == 2.5)
    #expect(AngleWarnings.median([]) == nil)
}
