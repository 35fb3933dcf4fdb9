import SafeTensors

/// Fused single-loop versions of the kernel for the common case (two models with an init,
/// bf16 outputs). They perform the same floating-point operations in the same order as the
/// generic loops (so outputs are identical), only without the intermediate passes over the
/// chunk.
extension MergeKernel {
    /// Whether `gramTwo` / `mergeTwo` apply.
    var isTwoWithInit: Bool { models == 2 && hasInit && !sIsModel }

    /// Upper triangle of the 2×2 Gram matrix of `δ_m = x_m − x_0` over one chunk, added into
    /// `gram` (row-major 2×2). Eight partial sums per entry in a fixed order.
    func gramTwo(_ x: [UnsafeMutableBufferPointer<Double>], into gram: UnsafeMutablePointer<Double>)
    {
        let n = x[0].count
        let r0 = UnsafeRawPointer(x[0].baseAddress!), r1 = UnsafeRawPointer(x[1].baseAddress!)
        let r2 = UnsafeRawPointer(x[2].baseAddress!)
        var a11 = SIMD4<Double>(), a12 = SIMD4<Double>(), a22 = SIMD4<Double>()
        var b11 = SIMD4<Double>(), b12 = SIMD4<Double>(), b22 = SIMD4<Double>()
        var i = 0
        while i + 8 <= n {
            let o = 8 * i
            let p0 = r0.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
            let q0 = r0.loadUnaligned(fromByteOffset: o + 32, as: SIMD4<Double>.self)
            let d1 = r1.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) - p0
            let e1 = r1.loadUnaligned(fromByteOffset: o + 32, as: SIMD4<Double>.self) - q0
            let d2 = r2.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) - p0
            let e2 = r2.loadUnaligned(fromByteOffset: o + 32, as: SIMD4<Double>.self) - q0
            a11 += d1 * d1
            a12 += d1 * d2
            a22 += d2 * d2
            b11 += e1 * e1
            b12 += e1 * e2
            b22 += e2 * e2
            i += 8
        }
        var s11 = (a11 + b11).sum(), s12 = (a12 + b12).sum(), s22 = (a22 + b22).sum()
        let x0 = x[0].baseAddress!, x1 = x[1].baseAddress!, x2 = x[2].baseAddress!
        while i < n {
            let d1 = x1[i] - x0[i], d2 = x2[i] - x0[i]
            s11 += d1 * d1
            s12 += d1 * d2
            s22 += d2 * d2
            i += 1
        }
        gram[0] += s11
        gram[1] += s12
        gram[3] += s22
    }

    /// `s = x_0 + (c_1·(x_1 − x_0) + c_2·(x_2 − x_0))`, the same operations as
    /// `taskVectors` + `merge`, without modifying the inputs.
    func mergeTwo(
        _ x: [UnsafeMutableBufferPointer<Double>], c: [Double], into s: UnsafeMutablePointer<Double>
    ) {
        let n = x[0].count
        let x0 = x[0].baseAddress!, x1 = x[1].baseAddress!, x2 = x[2].baseAddress!
        let c1 = c[0], c2 = c[1]
        for i in 0..<n {
            let b = x0[i]
            s[i] = b + (c1 * (x1[i] - b) + c2 * (x2[i] - b))
        }
    }

    /// `out = η == 1 ? s : x_0 + η·(s − x_0)` rounded to bf16: the value is rounded to `Float`
    /// into `scratch`, then to bf16 (round to nearest even); elements whose `Float` lands on a
    /// bf16 tie (or is NaN) are redone exactly from the `Double` by `bf16Bits(Double)`. Three
    /// branch-free loops, so they vectorise.
    static func litiBF16(
        s: UnsafePointer<Double>, x0: UnsafePointer<Double>, eta: Double,
        count n: Int, into dst: UnsafeMutableRawPointer,
        scratch: UnsafeMutablePointer<Float>
    ) {
        if eta == 1 {
            for i in 0..<n { scratch[i] = Float(s[i]) }
        } else {
            for i in 0..<n { scratch[i] = Float(x0[i] + eta * (s[i] - x0[i])) }
        }
        let bits = UnsafeRawPointer(scratch).assumingMemoryBound(to: UInt32.self)
        var flagged: UInt32 = 0
        for i in 0..<n {
            let b = bits[i]
            let r = UInt16(truncatingIfNeeded: (b &+ 0x7fff &+ ((b >> 16) & 1)) >> 16)
            dst.storeBytes(of: r.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            flagged |= (b & 0xffff) == 0x8000 || (b & 0x7fff_ffff) > 0x7f80_0000 ? 1 : 0
        }
        guard flagged != 0 else { return }
        for i in 0..<n {
            let b = bits[i]
            if (b & 0xffff) == 0x8000 || (b & 0x7fff_ffff) > 0x7f80_0000 {
                let v = eta == 1 ? s[i] : x0[i] + eta * (s[i] - x0[i])
                dst.storeBytes(
                    of: FloatConversion.bf16Bits(v).littleEndian, toByteOffset: 2 * i,
                    as: UInt16.self)
            }
        }
    }
}
