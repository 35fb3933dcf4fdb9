import SafeTensors

/// The per-chunk arithmetic of every merge method, in `Double`:
///
///     δ_m = x_m − x_0  (x_0 = 0 without init)       Gram_mn += δ_m·δ_n
///     s   = x_0 + Σ_m c_m δ_m  (s = x_1 for LITI)     out_η = η == 1 ? s : x_0 + η·(s − x_0)
///
/// `out_η` is rounded once to the output dtype. Because a LITI output is computed from the
/// `Double` merge `s` exactly as `liti` computes it from an F64 checkpoint holding `s`, a fused
/// front equals `slerp --dtype f64` followed by `liti` bit for bit.
///
/// - Complexity: O(M² · n) flops per chunk of n elements; no allocation.
struct MergeKernel: Sendable {
    let models: Int
    let hasInit: Bool
    let sIsModel: Bool

    /// Replaces `x_m` (m ≥ 1) by `δ_m = x_m − x_0` in place (a no-op without init).
    func taskVectors(_ x: [UnsafeMutableBufferPointer<Double>]) {
        guard hasInit else { return }
        let base = x[0].baseAddress!
        let n = x[0].count
        for m in 1...models {
            let d = x[m].baseAddress!
            for i in 0..<n { d[i] -= base[i] }
        }
    }

    /// Adds the upper triangle of `δ_m·δ_n` into `gram` (row-major M×M), after `taskVectors`.
    func accumulateGram(
        _ x: [UnsafeMutableBufferPointer<Double>], into gram: UnsafeMutablePointer<Double>
    ) {
        let first = hasInit ? 1 : 0
        let n = x[first].count
        for a in 0..<models {
            for b in a..<models {
                gram[a * models + b] += Self.dot(
                    x[first + a].baseAddress!, x[first + b].baseAddress!, n)
            }
        }
    }

    /// Computes `s` into `s` from the raw inputs (before `taskVectors`): only for LITI, where
    /// `s = x_1`. Other methods call `merge` after `taskVectors`.
    func copyModel(_ x: [UnsafeMutableBufferPointer<Double>], into s: UnsafeMutablePointer<Double>)
    {
        let src = x[hasInit ? 1 : 0]
        s.update(from: src.baseAddress!, count: src.count)
    }

    /// `s = x_0 + Σ c_m δ_m` (after `taskVectors`).
    func merge(
        _ x: [UnsafeMutableBufferPointer<Double>], c: [Double], into s: UnsafeMutablePointer<Double>
    ) {
        let first = hasInit ? 1 : 0
        let n = x[first].count
        let d0 = x[first].baseAddress!
        let c0 = c[0]
        for i in 0..<n { s[i] = c0 * d0[i] }
        for m in 1..<models {
            let d = x[first + m].baseAddress!
            let cm = c[m]
            for i in 0..<n { s[i] += cm * d[i] }
        }
        if hasInit {
            let base = x[0].baseAddress!
            for i in 0..<n { s[i] = base[i] + s[i] }
        }
    }

    /// `out = x_0 + η·(s − x_0)` into `out`; `x0` is the init chunk (required when η ≠ 1).
    static func liti(
        s: UnsafePointer<Double>, x0: UnsafePointer<Double>, eta: Double,
        count n: Int, into out: UnsafeMutablePointer<Double>
    ) {
        for i in 0..<n { out[i] = x0[i] + eta * (s[i] - x0[i]) }
    }

    /// Σ a_i·b_i in `Double` with eight partial sums (fixed order, so deterministic).
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 8 <= n {
            let a0 = ra.loadUnaligned(fromByteOffset: 8 * i, as: SIMD4<Double>.self)
            let a1 = ra.loadUnaligned(fromByteOffset: 8 * i + 32, as: SIMD4<Double>.self)
            let b0 = rb.loadUnaligned(fromByteOffset: 8 * i, as: SIMD4<Double>.self)
            let b1 = rb.loadUnaligned(fromByteOffset: 8 * i + 32, as: SIMD4<Double>.self)
            s0 += a0 * b0
            s1 += a1 * b1
            i += 8
        }
        var s = (s0 + s1).sum()
        while i < n {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }

    /// Rounds `values` once to `dtype` into `raw` (bf16 and f32 inline; others via
    /// `FloatConversion`).
    static func encode(
        _ values: UnsafeBufferPointer<Double>, dtype: DType,
        into raw: UnsafeMutableRawBufferPointer
    ) {
        let n = values.count
        guard let src = values.baseAddress, let dst = raw.baseAddress else { return }
        switch dtype {
        case .bf16:
            for i in 0..<n {
                let f = Float(src[i])
                let b = f.bitPattern
                let bits: UInt16
                if b & 0xffff == 0x8000 || (b & 0x7fff_ffff) > 0x7f80_0000 {
                    bits = FloatConversion.bf16Bits(src[i])  // a Float tie or NaN: decide exactly
                } else {
                    bits = UInt16(truncatingIfNeeded: (b &+ 0x7fff &+ ((b >> 16) & 1)) >> 16)
                }
                dst.storeBytes(of: bits.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case .f32:
            for i in 0..<n {
                dst.storeBytes(of: Float(src[i]), toByteOffset: 4 * i, as: Float.self)
            }
        default:
            FloatConversion.encode(values, dtype: dtype, into: raw)
        }
    }
}
