import Foundation
import SafeTensors
import Testing

@testable import Merging

@Suite struct LerpLitiTests {
    @Test func lerpWithoutInitIsNormalisedAverage() throws {
        var family = Family(specs: Family.llamaLike, models: 3, seed: 5)
        family.roundValues(to: .f32)
        let (out, _) = try mergeValues(
            MergePlan(method: .lerp, weights: [1, 2, 1], outputDType: .f64),
            initial: nil, models: family.modelStores())
        var ref: [String: [Double]] = [:]
        for (name, _) in family.specs {
            let v = family.models.map { $0[name]! }
            ref[name] = v[0].indices.map { (v[0][$0] + 2 * v[1][$0] + v[2][$0]) / 4 }
        }
        #expect(maxRelativeError(out[0], ref) < 1e-14)
    }

    @Test func taskArithmeticUsesWeightsAsGiven() throws {
        var family = Family(specs: Family.llamaLike, models: 2, seed: 6)
        family.roundValues(to: .f32)
        let (out, _) = try mergeValues(
            MergePlan(method: .taskArithmetic, weights: [1, 0.5], outputDType: .f64),
            initial: family.initStore(), models: family.modelStores())
        var ref: [String: [Double]] = [:]
        for (name, _) in family.specs {
            let b = family.initValues[name]!, x = family.models[0][name]!,
                y = family.models[1][name]!
            ref[name] = b.indices.map { b[$0] + ((x[$0] - b[$0]) + 0.5 * (y[$0] - b[$0])) }
        }
        #expect(maxRelativeError(out[0], ref) < 1e-14)
    }

    /// LITI at η = 0 gives the init and η = 1 the merged model, bit for bit; other η (including
    /// extrapolation up to 2, appendix C.1) match (1−η)·θ_init + η·θ.
    @Test func litiEndpointsAndFront() throws {
        var family = Family(specs: Family.llamaLike, models: 1, seed: 8)
        family.roundValues(to: .bf16)
        let initial = family.initStore(.bf16), merged = family.modelStores(.bf16)[0]
        let etas = [0, 0.3, 1, 1.5, 2]
        let (stores, _) = try MergeEngine.runInMemory(
            MergePlan(method: .liti, etas: etas), init: initial, models: [merged])
        for t in initial.tensors {
            #expect(try stores[0].bytes(of: t.name) == initial.bytes(of: t.name))
            #expect(try stores[2].bytes(of: t.name) == merged.bytes(of: t.name))
            for (k, eta) in etas.enumerated() {
                let b = family.initValues[t.name]!, x = family.models[0][t.name]!
                let ref = Family.encode(b.indices.map { b[$0] + eta * (x[$0] - b[$0]) }, .bf16)
                #expect(try stores[k].bytes(of: t.name) == ref)
            }
        }
    }

    @Test func negativeEtaNeedsPermission() throws {
        let family = Family(specs: Family.llamaLike, models: 1)
        #expect(throws: MergeError.negativeEta(eta: -0.5)) {
            try MergeEngine.runInMemory(
                MergePlan(method: .liti, etas: [-0.5]),
                init: family.initStore(), models: family.modelStores())
        }
        let (stores, _) = try MergeEngine.runInMemory(
            MergePlan(method: .liti, etas: [-0.5], allowNegativeEta: true),
            init: family.initStore(), models: family.modelStores())
        #expect(stores.count == 1)
    }
}
