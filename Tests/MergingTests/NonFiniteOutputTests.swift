import CMergeKernels
import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import Merging

/// Finite inputs whose merge overflows the output dtype: the kernel counts the NaN/±Inf values
/// it writes (the same count at every SIMD level, equal to a naive count of the rounded
/// reference), and the engine refuses the output naming the tensor and η unless the plan
/// allows it.
@Suite struct NonFiniteOutputTests {
    /// Whether `v` rounded once to `dtype` is NaN/±Inf (the reference for the kernel's count).
    static func overflows(_ v: Double, _ dtype: DType) -> Bool {
        switch dtype {
        case .bf16: FloatConversion.bf16Bits(v) & 0x7f80 == 0x7f80
        case .f32: !Float(v).isFinite
        default: !v.isFinite
        }
    }

    /// f64 inputs spanning 1e-3 … 1e300 in magnitude, so every η overflows some elements of
    /// some output dtype and not others.
    static func wideInputs(count n: Int, inputs: Int, seed: UInt64) -> KernelTests.Inputs {
        var inputs = KernelTests.Inputs(count: n, inputs: inputs, seed: seed, kinds: [.f64])
        var rng = SplitMix64(seed: seed ^ 0x5eed)
        for i in inputs.values.indices {
            let v = inputs.values[i].map { x in
                x * Foundation.pow(10, 150 * (rng.uniform() + 1))
            }
            inputs.values[i] = v
            inputs.bytes[i] = Family.encode(v, .f64)
        }
        return inputs
    }

    @Test(arguments: [1, 7, 8, 9, 100, 4097], [DType.bf16, .f32, .f64])
    func kernelCountEqualsNaiveCountAtEveryLevel(_ n: Int, _ out: DType) {
        let (m, hb) = (2, true)
        let inputs = Self.wideInputs(count: n, inputs: m + 1, seed: UInt64(n))
        let c = [0.6, 0.9]
        let etas = [1.0, 0.3, 1e10, 1e308]
        let expected = etas.map { eta in
            (0..<n).filter { k in
                Self.overflows(
                    KernelTests.referenceMerge(
                        inputs.values, models: m, hasBase: hb, sIsModel: false, c: c, eta: eta,
                        element: k), out)
            }.count
        }
        #expect(expected.last! > 0, "the test must overflow something")
        let size = out.byteSize!
        for level in KernelTests.levels {
            var counts = [Int](repeating: 0, count: etas.count)
            var got = [UInt8](repeating: 0, count: etas.count * n * size)
            let total = got.withUnsafeMutableBytes { g in
                let outs: [UnsafeMutableRawPointer?] = etas.indices.map {
                    g.baseAddress! + $0 * n * size
                }
                return inputs.withPointers { p in
                    mt_merge_at(
                        Int32(level), p, inputs.kinds, m, 1, 0, c, n, etas, etas.count, outs,
                        ChunkedInputs.kernelKind(out)!, &counts)
                }
            }
            #expect(counts == expected, "level \(level), \(out.rawValue), n \(n)")
            #expect(total == expected.reduce(0, +))
            // without the per-output array the total is still returned
            var again = [UInt8](repeating: 0, count: etas.count * n * size)
            let total2 = again.withUnsafeMutableBytes { g in
                let outs: [UnsafeMutableRawPointer?] = etas.indices.map {
                    g.baseAddress! + $0 * n * size
                }
                return inputs.withPointers { p in
                    mt_merge_at(
                        Int32(level), p, inputs.kinds, m, 1, 0, c, n, etas, etas.count, outs,
                        ChunkedInputs.kernelKind(out)!, nil)
                }
            }
            #expect(total2 == total)
            #expect(again == got)
        }
    }

    /// One-tensor family of `n` elements (three chunks and a tail), rounded to `dtype`.
    static func family(models: Int, scale: Double, dtype: DType, name: String = "w.weight")
        -> Family
    {
        var family = Family(
            specs: [(name, [2 * ChunkedInputs.defaultChunkElements + 1234])], models: models,
            scale: scale, seed: 21)
        family.roundValues(to: dtype)
        return family
    }

    /// LITI with η = 1e308 to bf16: every element whose merge differs from the init overflows.
    @Test func litiHugeEtaOverflowingBF16NamesTheTensorAndEta() throws {
        let family = Self.family(models: 1, scale: 0.01, dtype: .bf16)
        let b = family.initValues["w.weight"]!, x = family.models[0]["w.weight"]!
        let count = b.indices.filter { Self.overflows(b[$0] + 1e308 * (x[$0] - b[$0]), .bf16) }
            .count
        #expect(count > 0)
        #expect(
            throws: MergeError.nonFiniteOutput(
                tensor: "w.weight", eta: 1e308, count: count, dtype: .bf16)
        ) {
            _ = try mergeValues(
                MergePlan(method: .liti, etas: [1e308]), initial: family.initStore(.bf16),
                models: family.modelStores(.bf16))
        }
        // f64 holds 1e306: no error
        let (values, _) = try mergeValues(
            MergePlan(method: .liti, outputDType: .f64, etas: [1e308]),
            initial: family.initStore(.bf16), models: family.modelStores(.bf16))
        #expect(values[0]["w.weight"]!.allSatisfy { $0.isFinite })
    }

    /// Task arithmetic with weights 1e38 to f32: the error names the second tensor (the first
    /// has zero task vectors, so its output is the init) and the naive count.
    @Test func taskArithmeticHugeWeightsOverflowingF32NamesTheTensor() throws {
        var family = Family(
            specs: [("layers.0.weight", [100]), ("layers.1.weight", [40000])], models: 2,
            scale: 1, seed: 5)
        family.roundValues(to: .f32)
        for i in 0..<2 {
            family.models[i]["layers.0.weight"] = family.initValues["layers.0.weight"]
        }
        let b = family.initValues["layers.1.weight"]!
        let x = family.models.map { $0["layers.1.weight"]! }
        let w = [1e38, 1e38]
        let count = b.indices.filter { k in
            var s = w[0] * (x[0][k] - b[k])
            s = s + w[1] * (x[1][k] - b[k])
            return Self.overflows(b[k] + s, .f32)
        }.count
        #expect(count > 0 && count < b.count)
        let plan = MergePlan(method: .taskArithmetic, weights: w, granularity: .tensor)
        #expect(
            throws: MergeError.nonFiniteOutput(
                tensor: "layers.1.weight", eta: 1, count: count, dtype: .f32)
        ) {
            _ = try mergeValues(plan, initial: family.initStore(), models: family.modelStores())
        }
        // allowed: written, with the same count of non-finite values, and a warning
        var allowed = plan
        allowed.allowNonFinite = true
        let (values, report) = try mergeValues(
            allowed, initial: family.initStore(), models: family.modelStores())
        #expect(values[0]["layers.1.weight"]!.filter { !$0.isFinite }.count == count)
        #expect(values[0]["layers.0.weight"]! == family.initValues["layers.0.weight"]!)
        #expect(
            report.warnings == [
                "output at eta 1.0 holds \(count) nan or infinite values in 1 tensor "
                    + "(first 'layers.1.weight') though the inputs are finite; written as asked"
            ])
    }

    /// SLERP with η = 1e308 through files: refused, and nothing is left in the directory.
    @Test func slerpHugeEtaLeavesNoFiles() throws {
        let dir = Fixture.tempDir("nonfinite")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let family = Self.family(models: 2, scale: 0.01, dtype: .bf16)
        let error = #expect(throws: MergeError.self) {
            try FusedFrontTests.run(
                MergePlan(method: .slerp, etas: [0.5, 1e308]), initial: family.initStore(.bf16),
                models: family.modelStores(.bf16),
                paths: ["\(dir)/a.safetensors", "\(dir)/b.safetensors"])
        }
        guard case .nonFiniteOutput("w.weight", 1e308, let count, .bf16)? = error else {
            Issue.record(
                "expected nonFiniteOutput for w.weight at 1e308, got \(String(describing: error))")
            return
        }
        #expect(count > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    /// Inputs holding NaN are refused even when non-finite outputs are allowed (the input
    /// check comes first and names the file).
    @Test(arguments: [MethodID.lerp, .taskArithmetic, .slerp])
    func nonFiniteInputIsRefusedEvenWhenAllowed(_ method: MethodID) throws {
        let family = Family(specs: [("w.weight", [64])], models: 2)
        let models = family.modelStores()
        var v = try models[1].floats(of: "w.weight")
        v[3] = .infinity
        models[1].set("w.weight", shape: [64], floats: v)
        var plan = MergePlan(method: method)
        plan.allowNonFinite = true
        #expect(throws: MergeError.nonFinite(tensor: "w.weight", file: "model2")) {
            _ = try mergeValues(plan, initial: family.initStore(), models: models)
        }
    }
}

/// The new error is one lowercase library line naming the tensor, η, count and dtype.
@Test func nonFiniteOutputDescriptionIsOneLibraryLine() {
    let e = MergeError.nonFiniteOutput(tensor: "w", eta: 1e308, count: 3, dtype: .bf16)
    #expect(!e.description.contains("--") && !e.description.contains("\n"))
    #expect(e.description.hasPrefix("merged tensor 'w' at eta 1e+308 has 3 nan or infinite"))
    #expect(e.description.contains("BF16"))
}
