import Foundation
import SafeTensors
import Testing

@testable import Merging

@Suite struct ExactnessTests {
    /// bf16 outputs against the correctly rounded float64 reference: the criterion is
    /// ≥ 99.99 % identical and ‖out − ref‖/‖ref − θ_init‖ < 1e-4; we expect every element.
    @Test(arguments: [[1.0], [0.3, 1.0, 2.0]])
    func bf16OutputsAreCorrectlyRounded(etas: [Double]) throws {
        let specs: [(String, [Int])] = [
            ("model.layers.0.w", [300, 200]), ("model.layers.0.b", [300]),
            ("head", [4000]),
        ]
        var family = Family(specs: specs, models: 2, scale: 0.003, seed: 21)
        family.roundValues(to: .bf16)
        let (stores, _) = try MergeEngine.runInMemory(
            MergePlan(method: .slerp, lambda: 0.5, etas: etas), init: family.initStore(.bf16),
            models: family.modelStores(.bf16))
        let exact = Reference.slerpFamily(
            family, groups: [["model.layers.0.w", "model.layers.0.b"], ["head"]],
            lambdas: [0.5])
        for (k, eta) in etas.enumerated() {
            var same = 0, total = 0, errSq = 0.0, deltaSq = 0.0
            for (name, _) in specs {
                let b = family.initValues[name]!
                let refValues = exact[name]!.indices.map {
                    b[$0] + eta * (exact[name]![$0] - b[$0])
                }
                let refBytes = Family.encode(refValues, .bf16)
                let outBytes = try stores[k].bytes(of: name)
                let ref = Family.decode(refBytes, .bf16), out = Family.decode(outBytes, .bf16)
                for i in ref.indices {
                    total += 1
                    if refBytes[2 * i] == outBytes[2 * i]
                        && refBytes[2 * i + 1] == outBytes[2 * i + 1]
                    {
                        same += 1
                    }
                    errSq += (out[i] - ref[i]) * (out[i] - ref[i])
                    deltaSq += (ref[i] - b[i]) * (ref[i] - b[i])
                }
            }
            #expect(Double(same) / Double(total) >= 0.9999)
            #expect(errSq.squareRoot() / deltaSq.squareRoot() < 1e-4)
            #expect(same == total)
        }
    }

    /// Tensors larger than a block (32 chunks × 32768 elements) split across threads give the
    /// same bytes with 1 and 2 threads, and match the naive reference.
    @Test func threadsDoNotChangeResults() throws {
        let n = MergeEngine.chunkElements * MergeEngine.chunksPerBlock + 12_345
        var family = Family(specs: [("big", [n])], models: 2, seed: 4)
        family.roundValues(to: .f32)
        let i = family.initStore(), m = family.modelStores()
        let one = try MergeEngine.runInMemory(
            MergePlan(method: .slerp, threads: 1), init: i, models: m)
        let two = try MergeEngine.runInMemory(
            MergePlan(method: .slerp, threads: 2), init: i, models: m)
        #expect(try one.outputs[0].bytes(of: "big") == two.outputs[0].bytes(of: "big"))
        #expect(one.report == two.report)
        let f64 = try mergeValues(
            MergePlan(method: .slerp, outputDType: .f64), initial: i, models: m)
        let ref = Reference.slerpFamily(family, groups: [["big"]], lambdas: [0.5])
        #expect(maxRelativeError(f64.values[0], ref) < 1e-12)
    }
}
