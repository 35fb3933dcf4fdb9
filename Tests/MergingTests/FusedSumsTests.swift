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

/// The register-tiled pair sums (3 ≤ M ≤ 8: inputs staged in L1, accumulators held in
/// registers tile by tile) against a lane-by-lane `Double` reference of the documented order:
/// lane j adds the products of elements ≡ j (mod 8) in element order, the last partial group
/// zero-padded, then `-0 + (l0+l4) + (l1+l5) + (l2+l6) + (l3+l7)`. Bit for bit, at every SIMD
/// level, for each sum alone and all three together (the staging has a copy per case).
@Suite struct TiledSumsTests {
    static func laneReference(
        _ values: [[Double]], hasBase: Bool, n: Int,
        _ term: (Double, Double, Double, Double) -> Double
    ) -> [Double] {
        let first = hasBase ? 1 : 0
        let m = values.count - first
        let padded = (n + 7) / 8 * 8
        func x(_ i: Int, _ k: Int) -> Double { k < n ? values[i][k] : 0 }
        var out = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for c in a..<m {
                var lanes = [Double](repeating: 0, count: 8)
                for k in 0..<padded {
                    let b = hasBase ? x(0, k) : 0
                    lanes[k % 8] = lanes[k % 8] + term(x(first + a, k), x(first + c, k), b, 0)
                }
                var s = -0.0
                for j in 0..<4 { s = s + (lanes[j] + lanes[j + 4]) }
                out[a * m + c] = 0 + s
            }
        }
        return out
    }

    @Test(arguments: [1, 8, 9, 255, 256, 257, 1000], [3, 4, 5, 7, 8])
    func tiledSumsEqualTheLaneReference(_ n: Int, _ m: Int) {
        let all = KernelTests.Inputs(
            count: n, inputs: m + 1, seed: UInt64(17 * n + m), kinds: [.bf16, .f32, .bf16, .f64])
        let bf16 = KernelTests.Inputs(
            count: n, inputs: m + 1, seed: UInt64(19 * n + m), kinds: [.bf16])
        for inputs in [all, bf16] {
            let task = Self.laneReference(inputs.values, hasBase: true, n: n) { u, y, b, _ in
                (u - b) * (y - b)
            }
            let weight = Self.laneReference(inputs.values, hasBase: true, n: n) { u, y, _, _ in
                u * y
            }
            let distance = Self.laneReference(inputs.values, hasBase: true, n: n) { u, y, _, _ in
                let e = u - y
                return e * e
            }
            for level in KernelTests.levels {
                for what in [UInt32(MT_SUM_TASK), UInt32(MT_SUM_WEIGHT), 7] {
                    var t = [Double](repeating: 0, count: m * m), w = t, d = t
                    inputs.withPointers { p in
                        inputs.kinds.withUnsafeBufferPointer { k in
                            mt_pair_sums_at(
                                Int32(level), p, k.baseAddress, m, 1, n, what, &t, &w, &d)
                        }
                    }
                    for a in 0..<m {
                        for c in a..<m {
                            let e = a * m + c
                            if what & UInt32(MT_SUM_TASK) != 0 {
                                #expect(t[e].bitPattern == task[e].bitPattern, "task \(a),\(c)")
                            }
                            if what & UInt32(MT_SUM_WEIGHT) != 0 {
                                #expect(w[e].bitPattern == weight[e].bitPattern, "weight")
                            }
                            if what & UInt32(MT_SUM_DISTANCE) != 0 {
                                #expect(d[e].bitPattern == distance[e].bitPattern, "distance")
                            }
                        }
                    }
                }
            }
        }
    }
}
