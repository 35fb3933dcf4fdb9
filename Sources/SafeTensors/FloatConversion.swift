import CSafeTensors

/// Conversion between the floating dtypes of the format and `Float`/`Double`, over raw
/// little-endian bytes that need not be aligned.
///
/// Narrowing rounds to nearest, ties to even, exactly once. NaN stays NaN, ±Inf stays ±Inf
/// (except F8_E4M3, which has no infinity: overflow and ±Inf become NaN, as the format's
/// "fn" variant defines; likewise F8_E4M3FNUZ and F8_E5M2FNUZ, whose one NaN is 0x80 and
/// which have no −0, so a negative value rounding to zero gives +0). Widening is exact.
///
/// - Complexity: O(n), one pass; no allocation.
public enum FloatConversion {
    /// Decodes `out.count` values of `dtype` from `raw` into `out`.
    /// - Throws: `SafeTensorsError.notConvertible` for dtypes that are not convertible floats.
    public static func decode(
        _ raw: UnsafeRawBufferPointer, dtype: DType, into out: UnsafeMutableBufferPointer<Float>
    ) throws {
        let n = out.count
        guard let base = out.baseAddress else { return }
        precondition(raw.count >= (dtype.byteCount(elements: n) ?? .max), "source too short")
        guard let src = raw.baseAddress else { return }
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(base).copyMemory(from: src, byteCount: n * 4)
        case .bf16:
            for i in 0..<n {
                let b = src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                base[i] = Float(bitPattern: UInt32(UInt16(littleEndian: b)) << 16)
            }
        case .f16:
            if Int(bitPattern: src) % 2 == 0 {
                mt_f16_to_f32(src.assumingMemoryBound(to: UInt16.self), base, n)
            } else {
                // Odd address: copy through an aligned scratch buffer, a block at a time.
                withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 4096) { tmp in
                    var i = 0
                    while i < n {
                        let m = min(4096, n - i)
                        UnsafeMutableRawPointer(tmp.baseAddress!).copyMemory(
                            from: src + 2 * i, byteCount: 2 * m)
                        mt_f16_to_f32(tmp.baseAddress!, base + i, m)
                        i += m
                    }
                }
            }
        case .f64:
            for i in 0..<n {
                base[i] = Float(src.loadUnaligned(fromByteOffset: 8 * i, as: Double.self))
            }
        case .f8e4m3:
            let table = F8Tables.e4m3
            for i in 0..<n { base[i] = table[Int(src.load(fromByteOffset: i, as: UInt8.self))] }
        case .f8e5m2:
            let table = F8Tables.e5m2
            for i in 0..<n { base[i] = table[Int(src.load(fromByteOffset: i, as: UInt8.self))] }
        case .f8e4m3fnuz:
            let table = F8Tables.e4m3fnuz
            for i in 0..<n { base[i] = table[Int(src.load(fromByteOffset: i, as: UInt8.self))] }
        case .f8e5m2fnuz:
            let table = F8Tables.e5m2fnuz
            for i in 0..<n { base[i] = table[Int(src.load(fromByteOffset: i, as: UInt8.self))] }
        default:
            throw SafeTensorsError.notConvertible(tensor: "", dtype: dtype)
        }
    }

    /// Encodes `values` as `dtype` into `raw` (which must hold `values.count` elements).
    public static func encode(
        _ values: UnsafeBufferPointer<Float>, dtype: DType, into raw: UnsafeMutableRawBufferPointer
    ) {
        let n = values.count
        guard let src = values.baseAddress, let dst = raw.baseAddress else { return }
        precondition(raw.count >= (dtype.byteCount(elements: n) ?? .max), "destination too short")
        switch dtype {
        case .f32:
            dst.copyMemory(from: src, byteCount: n * 4)
        case .bf16:
            for i in 0..<n {
                dst.storeBytes(
                    of: bf16Bits(src[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        case .f16:
            if Int(bitPattern: dst) % 2 == 0 {
                mt_f32_to_f16(src, dst.assumingMemoryBound(to: UInt16.self), n)
            } else {
                withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 4096) { tmp in
                    var i = 0
                    while i < n {
                        let m = min(4096, n - i)
                        mt_f32_to_f16(src + i, tmp.baseAddress!, m)
                        (dst + 2 * i).copyMemory(from: tmp.baseAddress!, byteCount: 2 * m)
                        i += m
                    }
                }
            }
        case .f64:
            for i in 0..<n {
                dst.storeBytes(of: Double(src[i]), toByteOffset: 8 * i, as: Double.self)
            }
        case .f8e4m3:
            for i in 0..<n {
                dst.storeBytes(of: F8Tables.encodeE4M3(src[i]), toByteOffset: i, as: UInt8.self)
            }
        case .f8e5m2:
            for i in 0..<n {
                dst.storeBytes(of: F8Tables.encodeE5M2(src[i]), toByteOffset: i, as: UInt8.self)
            }
        case .f8e4m3fnuz:
            for i in 0..<n {
                dst.storeBytes(
                    of: F8Tables.encodeE4M3FNUZ(src[i]), toByteOffset: i, as: UInt8.self)
            }
        case .f8e5m2fnuz:
            for i in 0..<n {
                dst.storeBytes(
                    of: F8Tables.encodeE5M2FNUZ(src[i]), toByteOffset: i, as: UInt8.self)
            }
        default:
            preconditionFailure("encode to \(dtype.rawValue) is not supported")
        }
    }

    /// Decodes into `Double` (exact for every convertible dtype, including F64).
    public static func decode(
        _ raw: UnsafeRawBufferPointer, dtype: DType, into out: UnsafeMutableBufferPointer<Double>
    ) throws {
        guard let base = out.baseAddress, let src = raw.baseAddress else { return }
        if dtype == .f64 {
            for i in 0..<out.count {
                base[i] = src.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)
            }
            return
        }
        let chunk = 4096
        var tmp = [Float](repeating: 0, count: min(chunk, out.count))
        var start = 0
        let size = dtype.byteSize ?? 1
        while start < out.count {
            let m = min(chunk, out.count - start)
            try tmp.withUnsafeMutableBufferPointer { t in
                let part = UnsafeRawBufferPointer(
                    rebasing: raw[(start * size)..<((start + m) * size)])
                try decode(part, dtype: dtype, into: UnsafeMutableBufferPointer(rebasing: t[0..<m]))
                for i in 0..<m { base[start + i] = Double(t[i]) }
            }
            start += m
        }
    }

    /// Encodes `Double` values as `dtype`, rounding once: F64 is exact, F32 rounds to nearest
    /// even; narrower types go through `roundedToOddFloat` (24 bits, round to odd) and then
    /// round to nearest even, which equals one direct rounding because 24 ≥ p + 2 for every
    /// target precision p ≤ 11 (Boldo–Melquiond, "When double rounding is odd").
    public static func encode(
        _ values: UnsafeBufferPointer<Double>, dtype: DType, into raw: UnsafeMutableRawBufferPointer
    ) {
        guard let dst = raw.baseAddress, let src = values.baseAddress else { return }
        switch dtype {
        case .f64:
            for i in 0..<values.count {
                dst.storeBytes(of: src[i], toByteOffset: 8 * i, as: Double.self)
            }
        case .f32:
            for i in 0..<values.count {
                dst.storeBytes(of: Float(src[i]), toByteOffset: 4 * i, as: Float.self)
            }
        default:
            let size = dtype.byteSize ?? 1
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 4096) { tmp in
                var i = 0
                while i < values.count {
                    let m = min(4096, values.count - i)
                    for k in 0..<m { tmp[k] = roundedToOddFloat(src[i + k]) }
                    encode(
                        UnsafeBufferPointer(rebasing: tmp[0..<m]), dtype: dtype,
                        into: UnsafeMutableRawBufferPointer(
                            rebasing: raw[(i * size)..<((i + m) * size)]))
                    i += m
                }
            }
        }
    }

    /// `d` rounded to `Float` with round-to-odd: truncate toward zero, then set the last bit if
    /// anything was lost. Values past `Float` range become ±greatestFiniteMagnitude (odd),
    /// which still overflow every narrower type. NaN stays NaN.
    @inlinable
    public static func roundedToOddFloat(_ d: Double) -> Float {
        if d.isNaN { return d.sign == .minus ? -.nan : .nan }
        var f = Float(d)
        if Double(f) == d { return f }
        if abs(Double(f)) > abs(d) { f = d > 0 ? f.nextDown : f.nextUp }  // toward zero
        return Float(bitPattern: f.bitPattern | 1)
    }

    /// bf16 bits of a `Double`, rounded once (round to odd into Float, then to nearest even).
    public static func bf16Bits(_ d: Double) -> UInt16 { bf16Bits(roundedToOddFloat(d)) }

    /// bf16 bits of `f`, round to nearest even; NaN stays (quiet) NaN; overflow gives ±Inf.
    @inlinable
    public static func bf16Bits(_ f: Float) -> UInt16 {
        let b = f.bitPattern
        if (b & 0x7fff_ffff) > 0x7f80_0000 { return UInt16(truncatingIfNeeded: b >> 16) | 0x0040 }
        return UInt16(truncatingIfNeeded: (b &+ 0x7fff &+ ((b >> 16) & 1)) >> 16)
    }

}
