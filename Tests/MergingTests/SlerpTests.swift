import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import Merging

@Suite struct SlerpTests {
    static let layerGroups: [[String]] = [
        ["model.embed_tokens.weight"],
        [
            "model.layers.0.self_attn.q_proj.weight", "model.layers.0.mlp.up_proj.weight",
            "model.layers.0.input_layernorm.weight",
        ],
        [
            "model.layers.1.self_attn.q_proj.weight", "model.layers.1.mlp.up_proj.weight",
            "model.layers.1.input_layernorm.weight",
        ],
        ["model.norm.weight"], ["lm_head.weight"],
    ]

    static func groups(_ g: Granularity) -> [[String]] {
        let names = Family.llamaLike.map(\.0)
        switch g {
        case .layer: return layerGroups
        case .tensor: return names.map { [$0] }
        case .model: return [names]
        }
    }

    @Test(arguments: Granularity.allCases, [0.0, 0.3, 0.5, 1.0])
    func slerpMatchesNaiveReference(granularity: Granularity, lambda: Double) throws {
        let family = Family(specs: Family.llamaLike, models: 2)
        let plan = MergePlan(
            method: .slerp, lambda: lambda, granularity: granularity, outputDType: .f64)
        let (out, report) = try mergeValues(
            plan, initial: family.initStore(), models: family.modelStores())
        // the stores hold f32: round the family the same way for the reference
        var rounded = family
        rounded.roundValues(to: .f32)
        let ref = Reference.slerpFamily(
            rounded, groups: Self.groups(granularity), lambdas: [lambda])
        #expect(maxRelativeError(out[0], ref) < 1e-12)
        #expect(report.groups.count == Self.groups(granularity).count)
        #expect(report.groups.allSatisfy { $0.steps.count == 1 && $0.steps[0].fallback == nil })
    }

    @Test func lambdaZeroAndOneGiveTheInputs() throws {
        let family = Family(specs: Family.llamaLike, models: 2)
        let models = family.modelStores()
        for (lambda, expected) in [(0.0, models[0]), (1.0, models[1])] {
            let plan = MergePlan(method: .slerp, lambda: lambda)
            let (stores, _) = try MergeEngine.runInMemory(
                plan, init: family.initStore(), models: models)
            var maxDiff = 0.0
            for t in expected.tensors {
                let a = try stores[0].floats(of: t.name), b = try expected.floats(of: t.name)
                for i in a.indices { maxDiff = max(maxDiff, Double(abs(a[i] - b[i]))) }
            }
            // f32 output of init + c·δ with c = 1 ± 1 ulp of Double: identical or 1 f32 ulp
            #expect(maxDiff < 1e-6)
        }
    }

    @Test func symmetricInTheModels() throws {
        let family = Family(specs: Family.llamaLike, models: 2, seed: 7)
        let m = family.modelStores()
        let a = try mergeValues(
            MergePlan(method: .slerp, lambda: 0.3, outputDType: .f64),
            initial: family.initStore(), models: [m[0], m[1]]
        ).values[0]
        let b = try mergeValues(
            MergePlan(method: .slerp, lambda: 0.7, outputDType: .f64),
            initial: family.initStore(), models: [m[1], m[0]]
        ).values[0]
        #expect(maxRelativeError(a, b) < 1e-13)
    }

    /// Paper Lemma 1: with equal norms ‖δ₁‖ = ‖δ₂‖ = l, ‖δ_slerp‖ = l for every λ.
    @Test(arguments: [0.1, 0.25, 0.5, 0.9])
    func lemma1PreservesNorm(lambda: Double) throws {
        var rng = SplitMix64(seed: 3)
        let n = 1000
        let base = (0..<n).map { _ in rng.normalish() }
        var d1 = (0..<n).map { _ in rng.normalish() }
        var d2 = (0..<n).map { _ in rng.normalish() }
        let l = 0.5
        let n1 = Reference.norm(d1), n2 = Reference.norm(d2)
        d1 = d1.map { $0 * l / n1 }
        d2 = d2.map { $0 * l / n2 }
        let initial = InMemoryStore(), a = InMemoryStore(), b = InMemoryStore()
        let shape = [n]
        initial.set(
            TensorInfo(name: "w", dtype: .f64, shape: shape), bytes: Family.encode(base, .f64))
        a.set(
            TensorInfo(name: "w", dtype: .f64, shape: shape),
            bytes: Family.encode(zip(base, d1).map { $0 + $1 }, .f64))
        b.set(
            TensorInfo(name: "w", dtype: .f64, shape: shape),
            bytes: Family.encode(zip(base, d2).map { $0 + $1 }, .f64))
        let (out, report) = try mergeValues(
            MergePlan(method: .slerp, lambda: lambda),
            initial: initial, models: [a, b])
        let merged = Reference.sub(out[0]["w"]!, base)
        #expect(abs(Reference.norm(merged) - l) < 1e-9)
        #expect(abs(report.groups[0].mergedNorm - l) < 1e-9)
        // and LERP shrinks it (Lemma 2): ‖δ‖² = l²((1−λ)² + 2λ(1−λ)cos Ω + λ²)
        let (lerp, _) = try mergeValues(
            MergePlan(method: .taskArithmetic, weights: [1 - lambda, lambda]),
            initial: initial, models: [a, b])
        let cosine = Reference.dot(d1, d2) / (l * l)
        let expected =
            l
            * ((1 - lambda) * (1 - lambda) + 2 * lambda * (1 - lambda) * cosine
            + lambda * lambda).squareRoot()
        let lerpNorm = Reference.norm(Reference.sub(lerp[0]["w"]!, base))
        #expect(abs(lerpNorm - expected) < 1e-9)
        #expect(lerpNorm < l)
    }

    /// slerpm (eq. 26) against its recursive definition on materialised task vectors, uniform
    /// (λ_k = 1/k) and weighted (λ_k = w_k / Σ_{j≤k} w_j).
    @Test(arguments: [3, 4])
    func slerpmMatchesRecursion(models count: Int) throws {
        let family = Family(specs: Family.llamaLike, models: count, seed: UInt64(count))
        var rounded = family
        rounded.roundValues(to: .f32)
        let uniform = try mergeValues(
            MergePlan(method: .slerp, outputDType: .f64),
            initial: family.initStore(), models: family.modelStores())
        let lambdas = (2...count).map { 1 / Double($0) }
        let ref = Reference.slerpFamily(rounded, groups: Self.layerGroups, lambdas: lambdas)
        #expect(maxRelativeError(uniform.values[0], ref) < 1e-12)
        #expect(uniform.report.groups[1].steps.map(\.lambda) == lambdas)

        let weights = (1...count).map { Double($0) }
        var cumulative = weights[0]
        let weighted = (1..<count).map { k -> Double in
            cumulative += weights[k]
            return weights[k] / cumulative
        }
        let w = try mergeValues(
            MergePlan(method: .slerp, weights: weights, outputDType: .f64),
            initial: family.initStore(), models: family.modelStores())
        let wref = Reference.slerpFamily(rounded, groups: Self.layerGroups, lambdas: weighted)
        #expect(maxRelativeError(w.values[0], wref) < 1e-12)
    }

    /// Mixed input dtypes: the output takes the init's dtype; values are read exactly.
    @Test func mixedInputDTypes() throws {
        var family = Family(specs: Family.llamaLike, models: 2, seed: 11)
        family.roundValues(to: .bf16)
        let models = [
            family.store(family.models[0], dtype: .bf16, label: "a"),
            family.store(family.models[1], dtype: .f32, label: "b"),
        ]
        let (stores, _) = try MergeEngine.runInMemory(
            MergePlan(method: .slerp, lambda: 0.5), init: family.initStore(.f16), models: models)
        #expect(stores[0].tensors.allSatisfy { $0.dtype == .f16 })
    }
}
