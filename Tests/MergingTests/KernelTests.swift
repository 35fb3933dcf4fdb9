import CMergeKernels
import SafeTensors
import TestSupport
import Testing

@testable import Merging

/// The C kernels (`CMergeKernels/merge_kernels.c`) at every SIMD level this CPU has, against naive
/// `Double` loops: pairwise sums and merges over bf16, f32 and f64 inputs.
@Suite struct KernelTests {
    static let levels = Array(0...Int(mt_simd_level()))

    /// Inputs of one chunk in assorted element types, with their exact `Double` values.
    struct Inputs {
        var values: [[Double]]
        var bytes: [[UInt8]]
        var kinds: [Int32]

        init(count n: Int, inputs: Int, seed: UInt64, kinds pattern: [DType]) {
            var rng = SplitMix64(seed: seed)
            let base = (0..<n).map { _ in rng.normalish() }
            values = []
            bytes = []
            kinds = []
            for i in 0..<inputs {
                let dtype = pattern[i % pattern.count]
                let raw = (0..<n).map { base[$0] + (i == 0 ? 0 : 0.01 * rng.normalish()) }
                let b = Family.encode(raw, dtype)
                values.append(Family.decode(b, dtype))
                bytes.append(b)
                kinds.append(ChunkedInputs.kernelKind(dtype)!)
            }
        }

        func withPointers<R>(_ body: (UnsafePointer<UnsafeRawPointer?>) -> R) -> R {
            let buffers = bytes.map { b in
                let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, b.count), alignment: 1)
                p.copyMemory(from: b, byteCount: b.count)
                return p
            }
            defer { for p in buffers { p.deallocate() } }
            let ptrs: [UnsafeRawPointer?] = buffers.map { UnsafeRawPointer($0) }
            return ptrs.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
    }

    @Test(
        arguments: [1, 7, 8, 9, 100, 4097],
        [(2, true), (2, false), (1, true), (3, true), (6, true), (5, false)])
    func pairSumsMatchNaiveLoopAtEveryLevel(_ n: Int, _ shape: (models: Int, hasBase: Bool)) {
        let (m, hb) = shape
        let inputs = Inputs(
            count: n, inputs: m + (hb ? 1 : 0), seed: UInt64(n * 10 + m),
            kinds: [.bf16, .f32, .f64])
        let x = inputs.values
        let b = hb ? x[0] : [Double](repeating: 0, count: n)
        let models = Array(x[(hb ? 1 : 0)...])
        var results: [[Double]] = []
        for level in Self.levels {
            var t = [Double](repeating: 0, count: m * m), w = t, d = t
            inputs.withPointers { p in
                inputs.kinds.withUnsafeBufferPointer { k in
                    mt_pair_sums_at(
                        Int32(level), p, k.baseAddress, m, hb ? 1 : 0, n, 7, &t, &w, &d)
                }
            }
            results.append(t + w + d)
            for i in 0..<m {
                for j in i..<m {
                    var rt = 0.0, rw = 0.0, rd = 0.0, st = 0.0, sw = 0.0
                    for k in 0..<n {
                        let u = models[i][k] - b[k], v = models[j][k] - b[k]
                        rt += u * v
                        st += abs(u * v)
                        rw += models[i][k] * models[j][k]
                        sw += abs(models[i][k] * models[j][k])
                        rd += (models[i][k] - models[j][k]) * (models[i][k] - models[j][k])
                    }
                    #expect(abs(w[i * m + j] - rw) <= 1e-14 * sw)
                    #expect(abs(d[i * m + j] - rd) <= 1e-14 * rd)
                    if hb {
                        #expect(abs(t[i * m + j] - rt) <= 1e-14 * st)
                    } else {
                        #expect(t[i * m + j] == 0)
                    }
                }
            }
        }
        for r in results.dropFirst() {
            #expect(r.map(\.bitPattern) == results[0].map(\.bitPattern))
        }
    }

    /// The documented formula in the documented order, rounded once by `FloatConversion`.
    static func referenceMerge(
        _ x: [[Double]], models m: Int, hasBase hb: Bool, sIsModel: Bool, c: [Double],
        eta: Double, element k: Int
    ) -> Double {
        let first = hb ? 1 : 0
        let b = hb ? x[0][k] : 0
        var s: Double
        if sIsModel {
            s = x[first][k]
        } else {
            s = c[0] * (hb ? x[first][k] - b : x[first][k])
            for j in 1..<m { s = s + c[j] * (hb ? x[first + j][k] - b : x[first + j][k]) }
            if hb { s = b + s }
        }
        return eta == 1 || !hb ? s : b + eta * (s - b)
    }

    @Test(arguments: [1, 8, 13, 1000], [DType.bf16, .f32, .f64])
    func mergeMatchesReferenceAtEveryLevel(_ n: Int, _ out: DType) {
        for (m, hb, sm) in [(2, true, false), (3, true, false), (2, false, false), (1, true, true)]
        {
            let inputs = Inputs(
                count: n, inputs: m + (hb ? 1 : 0), seed: UInt64(n + m), kinds: [.bf16, .f64, .f32])
            let c = (0..<m).map { 0.7 / Double($0 + 1) }
            let etas = hb ? [0.3, 1.0, 1.7] : [1.0]
            let size = out.byteSize!
            var expected: [UInt8] = []
            for eta in etas {
                let v = (0..<n).map {
                    Self.referenceMerge(
                        inputs.values, models: m, hasBase: hb, sIsModel: sm, c: c, eta: eta,
                        element: $0)
                }
                expected +=
                    out == .bf16
                    ? v.flatMap {
                        withUnsafeBytes(of: FloatConversion.bf16Bits($0).littleEndian, Array.init)
                    }
                    : Family.encode(v, out)
            }
            for level in Self.levels {
                var got = [UInt8](repeating: 0xAA, count: etas.count * n * size)
                got.withUnsafeMutableBytes { g in
                    let outs: [UnsafeMutableRawPointer?] = etas.indices.map {
                        g.baseAddress! + $0 * n * size
                    }
                    inputs.withPointers { p in
                        mt_merge_at(
                            Int32(level), p, inputs.kinds, m, hb ? 1 : 0, sm ? 1 : 0, c, n, etas,
                            etas.count, outs, ChunkedInputs.kernelKind(out)!, nil)
                    }
                }
                #expect(
                    got == expected,
                    "level \(level), m \(m), base \(hb), s = x1 \(sm): \(zip(got, expected).filter { $0 != $1 }.count) bytes differ"
                )
            }
        }
    }

    /// All-bf16 inputs and output take a copy of the merge per model count (1 … 8, and the
    /// generic body beyond): each against the same reference, at every level.
    @Test(arguments: [1, 9, 1000], [1, 2, 3, 5, 8, 9])
    func allBF16MergeMatchesReference(_ n: Int, _ m: Int) {
        let inputs = Inputs(count: n, inputs: m + 1, seed: UInt64(7 * n + m), kinds: [.bf16])
        let c = (0..<m).map { 0.9 / Double($0 + 2) }
        let etas = [0.3, 1.0]
        var expected: [UInt8] = []
        for eta in etas {
            for k in 0..<n {
                let v = Self.referenceMerge(
                    inputs.values, models: m, hasBase: true, sIsModel: false, c: c, eta: eta,
                    element: k)
                expected += withUnsafeBytes(
                    of: FloatConversion.bf16Bits(v).littleEndian, Array.init)
            }
        }
        for level in Self.levels {
            var got = [UInt8](repeating: 0xAA, count: etas.count * n * 2)
            got.withUnsafeMutableBytes { g in
                let outs: [UnsafeMutableRawPointer?] = etas.indices.map {
                    g.baseAddress! + $0 * n * 2
                }
                inputs.withPointers { p in
                    mt_merge_at(
                        Int32(level), p, inputs.kinds, m, 1, 0, c, n, etas, etas.count, outs,
                        Int32(MT_BF16), nil)
                }
            }
            #expect(got == expected, "level \(level), m \(m)")
        }
    }

    /// Averages of bf16 inputs a few units apart land exactly on bf16 midpoints (the Float is
    /// the value itself, and ties go to even); Float images that are inexact on a midpoint must
    /// still take the exact path. Both against the reference, at every level.
    @Test(arguments: [2, 4, 8])
    func averagesOnBF16MidpointsRoundToEven(_ m: Int) {
        let n = 4099
        var rng = SplitMix64(seed: UInt64(m))
        var inputs = Inputs(count: n, inputs: m + 1, seed: 1, kinds: [.bf16])
        let base = (0..<n).map { _ in UInt16(0x3c00 + rng.next() % 4096) }
        let bits = (0...m).map { i in
            base.map { i == 0 ? $0 : UInt16(Int($0) + Int(rng.next() % 9) - 4) }
        }
        inputs.bytes = bits.map { b in b.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] } }
        inputs.values = inputs.bytes.map { Family.decode($0, .bf16) }
        for c in [
            [Double](repeating: 1 / Double(m), count: m), (0..<m).map { 0.1 * Double($0 + 1) },
        ] {
            let expected = (0..<n).flatMap { k in
                let v = Self.referenceMerge(
                    inputs.values, models: m, hasBase: true, sIsModel: false, c: c, eta: 1,
                    element: k)
                return withUnsafeBytes(of: FloatConversion.bf16Bits(v).littleEndian, Array.init)
            }
            for level in Self.levels {
                var got = [UInt8](repeating: 0xAA, count: n * 2)
                got.withUnsafeMutableBytes { g in
                    let outs: [UnsafeMutableRawPointer?] = [g.baseAddress!]
                    inputs.withPointers { p in
                        mt_merge_at(
                            Int32(level), p, inputs.kinds, m, 1, 0, c, n, [1.0], 1, outs,
                            Int32(MT_BF16), nil)
                    }
                }
                #expect(got == expected, "level \(level), m \(m), c \(c)")
            }
        }
    }

    /// bf16 rounding where one rounding through Float would be wrong (values within half a Float
    /// ulp of a bf16 midpoint), on bf16 ties, at overflow, for subnormals, zeros and NaN.
    @Test func bf16RoundingIsCorrectOnHardCases() {
        var v: [Double] = [
            0, -0.0, .infinity, -.infinity, .nan, -.nan, 1e39, -3.4e38, 1e-50, -1e-42,
        ]
        for e in [-130, -126, -20, 0, 7, 100, 127] {
            for mant in [0, 1, 2, 3, 0x55, 0x7f] {
                let lo = Double(sign: .plus, exponent: e, significand: 1 + Double(mant) / 128)
                let mid = lo + Double(sign: .plus, exponent: e - 8, significand: 1)
                for delta in [0, 1e-12, -1e-12, 1e-9, -1e-9] {
                    v.append(mid * (1 + delta))
                    v.append(-mid * (1 + delta))
                }
            }
        }
        let n = v.count
        let bytes = Family.encode(v, .f64)
        let expected = v.flatMap {
            withUnsafeBytes(of: FloatConversion.bf16Bits($0).littleEndian, Array.init)
        }
        for level in Self.levels {
            var got = [UInt8](repeating: 0, count: 2 * n)
            bytes.withUnsafeBytes { src in
                got.withUnsafeMutableBytes { dst in
                    let x: [UnsafeRawPointer?] = [src.baseAddress]
                    let outs: [UnsafeMutableRawPointer?] = [dst.baseAddress]
                    mt_merge_at(
                        Int32(level), x, [Int32(MT_F64)], 1, 0, 1, nil, n, [1.0], 1, outs,
                        Int32(MT_BF16), nil)
                }
            }
            var wrong: [Double] = []
            for k in 0..<n
            where got[2 * k] != expected[2 * k] || got[2 * k + 1] != expected[2 * k + 1] {
                wrong.append(v[k])
            }
            #expect(wrong.isEmpty, "level \(level): \(wrong.count) wrong, e.g. \(wrong.prefix(3))")
        }
    }
}

/// One store instance given twice (a model merged with itself) is lent once per chunk and
/// gives the same bytes as two separate stores holding the same values.
@Test func sameStoreTwiceEqualsTwoCopies() throws {
    var family = Family(specs: Family.llamaLike, models: 1, seed: 31)
    family.roundValues(to: .bf16)
    let model = family.modelStores(.bf16)[0]
    let copy = family.store(family.models[0], dtype: .bf16, label: "copy")
    let plan = MergePlan(method: .slerp, etas: [0.3, 1])
    let (twice, _) = try MergeEngine.runInMemory(
        plan, init: family.initStore(.bf16), models: [model, model])
    let (two, _) = try MergeEngine.runInMemory(
        plan, init: family.initStore(.bf16), models: [model, copy])
    for (a, b) in zip(twice, two) {
        for (name, _) in family.specs { #expect(try a.bytes(of: name) == b.bytes(of: name)) }
    }
}
