import CBLAS
import Foundation

// Reductions and small vector loops on raw pointers, written so they vectorise (SIMD8 loads
// or plain lane-wise loops): the building blocks of the attention and softmax kernels at
// head size 16 and vocabulary ~300, where a BLAS call costs more than the arithmetic.
extension Kernels {
    /// Σ p[i] in eight interleaved partial sums (lane j adds p[j], p[j+8], …), then the lanes
    /// and the tail in order. Not the sequential order: it differs from a left fold in the
    /// last bits.
    /// - Complexity: O(count).
    @inline(__always)
    static func sum(_ p: CP, count n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var s = laneSum(acc)
        while i < n {
            s += p[i]
            i += 1
        }
        return s
    }

    /// max p[i] (exact in any order) with four running maxima; −∞ for n = 0, NaN if any is.
    @inline(__always)
    static func maximum(_ p: CP, count n: Int) -> Float {
        var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0
        var i = 0
        while i + 4 <= n {
            m0 = p[i] > m0 || p[i].isNaN ? p[i] : m0
            m1 = p[i + 1] > m1 || p[i + 1].isNaN ? p[i + 1] : m1
            m2 = p[i + 2] > m2 || p[i + 2].isNaN ? p[i + 2] : m2
            m3 = p[i + 3] > m3 || p[i + 3].isNaN ? p[i + 3] : m3
            i += 4
        }
        while i < n {
            m0 = p[i] > m0 || p[i].isNaN ? p[i] : m0
            i += 1
        }
        let a = m1 > m0 || m1.isNaN ? m1 : m0, b = m3 > m2 || m3.isNaN ? m3 : m2
        return b > a || b.isNaN ? b : a
    }

    /// Σ a[i]·b[i] in eight interleaved partial sums, then the lanes and the tail in order
    /// (not a left fold: it differs from one in the last bits).
    /// - Complexity: O(count).
    @inline(__always)
    static func dot(_ a: CP, _ b: CP, count n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 8 <= n {
            acc +=
                ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var s = laneSum(acc)
        while i < n {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }

    /// y[i] += alpha·x[i] for i < count (x and y do not overlap). Eight lanes at a time with
    /// explicit SIMD loads and stores: a short row (head size 16) pays no alias check.
    /// - Complexity: O(count).
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: CP, _ y: P, count n: Int) {
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        while i + 8 <= n {
            let yi = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let xi = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: yi + alpha * xi, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// H = −Σ p[i]·(z[i] − lse), the entropy of π = softmax(z) from its probabilities, logits
    /// and log-partition, in eight partial sums. Terms with p = 0 add 0 (z is finite).
    /// - Complexity: O(count).
    @inline(__always)
    static func entropy(probs p: CP, logits z: CP, logPartition lse: Float, count n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let rp = UnsafeRawPointer(p), rz = UnsafeRawPointer(z)
        while i + 8 <= n {
            let pi = rp.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let zi = rz.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc += pi * (zi - lse)
            i += 8
        }
        var s = laneSum(acc)
        while i < n {
            s += p[i] * (z[i] - lse)
            i += 1
        }
        return -s
    }

    /// log Σ exp(z[i]) = max + log Σ exp(z[i] − max): the value `softmax` returns, by the same
    /// operations, without normalising; `scratch` (n floats) receives exp(z[i] − max).
    /// - Complexity: O(n).
    @inline(__always)
    static func logSumExp(_ z: CP, scratch: P, count n: Int) -> Float {
        if avx2 { return mt_log_sum_exp_avx2(z, scratch, n) }
        return logSumExpLoop(z, scratch: scratch, count: n)
    }

    /// `logSumExp` in Swift (the reference for its AVX2 twin in CBLAS/kernels.h).
    static func logSumExpLoop(_ z: CP, scratch: P, count n: Int) -> Float {
        let mx = maximum(z, count: n)
        for i in 0..<n { scratch[i] = fastExp(z[i] - mx) }
        return mx + logf(sum(scratch, count: n))
    }

    /// Σ (x[i] − mean)² in eight partial sums, then the lanes and the tail in order.
    /// - Complexity: O(count).
    @inline(__always)
    static func squaredDeviations(_ x: CP, from mean: Float, count n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let d = load8(x + i) - mean
            acc += d * d
            i += 8
        }
        var s = laneSum(acc)
        while i < n {
            let d = x[i] - mean
            s += d * d
            i += 1
        }
        return s
    }

    /// The lanes of `v` added pairwise: ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7)).
    @inline(__always)
    static func laneSum(_ v: SIMD8<Float>) -> Float {
        ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]))
    }

    /// Eight floats from `p` (any alignment).
    @inline(__always)
    static func load8(_ p: CP) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}
