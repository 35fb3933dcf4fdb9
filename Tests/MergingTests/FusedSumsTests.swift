import CMergeKernels
import TestSupport
import Testing

@testable import Merging

/// The fused pair sums of M ≤ 8 models (one pass over the chunk, differences taken once) give
/// every entry bit for bit equal to the same pair summed alone, at every SIMD level: the
/// Gram matrix of a tensor does not depend on how many models share its pass.
@Suite struct FusedSumsTests {
    @Test(arguments: [1, 9, 100, 4097], [5, 6, 7, 8, 9])
    func everyEntryEqualsItsPairSummedAlone(_ n: Int, _ m: Int) {
        let all = KernelTests.Inputs(
            count: n, inputs: m + 1, seed: UInt64(31 * n + m), kinds: [.bf16, .f32, .f64])
        for level in KernelTests.levels {
            var t = [Double](repeating: 0, count: m * m), w = t, d = t
            all.withPointers { p in
                all.kinds.withUnsafeBufferPointer { k in
                    mt_pair_sums_at(
                        Int32(level), p, k.baseAddress, m, 1, n, 7, &t, &w, &d)
                }
            }
            for a in 0..<m {
                for c in a..<m {
                    // the base and the two inputs alone, as a two-model call
                    var pair = KernelTests.Inputs(
                        count: n, inputs: 3, seed: 0, kinds: [.bf16])
                    pair.values = [all.values[0], all.values[1 + a], all.values[1 + c]]
                    pair.bytes = [all.bytes[0], all.bytes[1 + a], all.bytes[1 + c]]
                    pair.kinds = [all.kinds[0], all.kinds[1 + a], all.kinds[1 + c]]
                    var pt = [Double](repeating: 0, count: 4), pw = pt, pd = pt
                    pair.withPointers { p in
                        pair.kinds.withUnsafeBufferPointer { k in
                            mt_pair_sums_at(
                                Int32(level), p, k.baseAddress, 2, 1, n, 7, &pt, &pw, &pd)
                        }
                    }
                    let e = a * m + c
                    #expect(t[e].bitPattern == pt[1].bitPattern, "task \(a),\(c) level \(level)")
                    #expect(w[e].bitPattern == pw[1].bitPattern, "weight \(a),\(c)")
                    #expect(d[e].bitPattern == pd[1].bitPattern, "distance \(a),\(c)")
                    if a == c {
                        #expect(t[e].bitPattern == pt[0].bitPattern)
                    }
                }
            }
        }
    }
}
