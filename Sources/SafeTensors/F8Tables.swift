/// The two 8-bit float formats (OCP FP8): E4M3 "fn" (bias 7, no infinity, NaN = S.1111.111,
/// max 448) and E5M2 (bias 15, IEEE-like with ±Inf and NaNs, max 57344).
enum F8Tables {
    static let e4m3: [Float] = (0..<256).map {
        decode(UInt8($0), exponentBits: 4, bias: 7, ieee: false)
    }
    static let e5m2: [Float] = (0..<256).map {
        decode(UInt8($0), exponentBits: 5, bias: 15, ieee: true)
    }

    static func decode(_ v: UInt8, exponentBits: Int, bias: Int, ieee: Bool) -> Float {
        let mantissaBits = 7 - exponentBits
        let sign: Float = v & 0x80 != 0 ? -1 : 1
        let e = Int(v >> UInt8(mantissaBits)) & ((1 << exponentBits) - 1)
        let m = Int(v) & ((1 << mantissaBits) - 1)
        let maxE = (1 << exponentBits) - 1
        if ieee && e == maxE { return m == 0 ? sign * .infinity : .nan }
        if !ieee && e == maxE && m == (1 << mantissaBits) - 1 { return .nan }
        if e == 0 {
            return sign * Float(m)
                * Float(sign: .plus, exponent: 1 - bias - mantissaBits, significand: 1)
        }
        return sign * Float(m + (1 << mantissaBits))
            * Float(sign: .plus, exponent: e - bias - mantissaBits, significand: 1)
    }

    /// Round to nearest even into a small float; `maxFinite` is the largest finite code (no sign).
    static func encode(
        _ f: Float, exponentBits: Int, bias: Int, maxFinite: UInt8, overflow: UInt8,
        nan: UInt8
    ) -> UInt8 {
        let mantissaBits = 7 - exponentBits
        let sign: UInt8 = f.sign == .minus ? 0x80 : 0
        if f.isNaN { return nan | sign }
        let a = abs(f)
        if a.isInfinite { return overflow | sign }
        if a == 0 { return sign }
        let minNormalExp = 1 - bias
        var e = Int(a.exponent)
        let code: Int
        if e < minNormalExp {
            let q = a * Float(sign: .plus, exponent: mantissaBits - minNormalExp, significand: 1)
            code = Int(q.rounded(.toNearestOrEven))  // may reach 1 << mantissaBits: smallest normal
        } else {
            var n = Int(
                (a * Float(sign: .plus, exponent: mantissaBits - e, significand: 1))
                    .rounded(.toNearestOrEven))
            if n == 1 << (mantissaBits + 1) { e += 1; n = 1 << mantissaBits }
            let field = e + bias
            if field > (1 << exponentBits) - 1 { return overflow | sign }
            code = (field << mantissaBits) | (n - (1 << mantissaBits))
        }
        if code > Int(maxFinite) { return overflow | sign }
        return UInt8(code) | sign
    }

    static func encodeE4M3(_ f: Float) -> UInt8 {
        encode(f, exponentBits: 4, bias: 7, maxFinite: 0x7e, overflow: 0x7f, nan: 0x7f)
    }
    static func encodeE5M2(_ f: Float) -> UInt8 {
        encode(f, exponentBits: 5, bias: 15, maxFinite: 0x7b, overflow: 0x7c, nan: 0x7e)
    }
}
