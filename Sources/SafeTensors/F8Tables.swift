/// The 8-bit float formats.
///
/// - OCP FP8 E4M3 "fn": bias 7, no infinity, NaN = S.1111.111, max 448.
/// - OCP FP8 E5M2: bias 15, IEEE-like with ±Inf and NaNs, max 57344.
/// - E4M3FNUZ and E5M2FNUZ (Graphcore/AMD, arXiv 2206.02915; LLVM APFloat, StableHLO RFC
///   2023-03-21): the same bit layouts with the exponent bias one higher (8 and 16), every
///   exponent field finite, no infinity and no negative zero: 0x80 is the only NaN.
///   Max 240 (0x7f) and 57344 (0x7f).
enum F8Tables {
    /// How a format spends its special codes.
    enum Specials {
        /// All-ones exponent: ±Inf (mantissa 0) or NaN (E5M2).
        case ieee
        /// Only S.1111.111 is NaN (E4M3 "fn").
        case finiteMaxNaN
        /// Only 0x80 (the would-be −0) is NaN (the FNUZ formats).
        case negativeZeroNaN
    }

    static let e4m3: [Float] = (0..<256).map {
        decode(UInt8($0), exponentBits: 4, bias: 7, specials: .finiteMaxNaN)
    }
    static let e5m2: [Float] = (0..<256).map {
        decode(UInt8($0), exponentBits: 5, bias: 15, specials: .ieee)
    }
    static let e4m3fnuz: [Float] = (0..<256).map {
        decode(UInt8($0), exponentBits: 4, bias: 8, specials: .negativeZeroNaN)
    }
    static let e5m2fnuz: [Float] = (0..<256).map {
        decode(UInt8($0), exponentBits: 5, bias: 16, specials: .negativeZeroNaN)
    }

    /// The value of code `v`: (−1)^s · 2^(e − bias) · 1.m, or (−1)^s · 2^(1 − bias) · 0.m when
    /// the exponent field e is 0; the format's special codes as `specials` says.
    static func decode(_ v: UInt8, exponentBits: Int, bias: Int, specials: Specials) -> Float {
        let mantissaBits = 7 - exponentBits
        let sign: Float = v & 0x80 != 0 ? -1 : 1
        let e = Int(v >> UInt8(mantissaBits)) & ((1 << exponentBits) - 1)
        let m = Int(v) & ((1 << mantissaBits) - 1)
        let maxE = (1 << exponentBits) - 1
        switch specials {
        case .ieee where e == maxE: return m == 0 ? sign * .infinity : .nan
        case .finiteMaxNaN where e == maxE && m == (1 << mantissaBits) - 1: return .nan
        case .negativeZeroNaN where v == 0x80: return .nan
        default: break
        }
        if e == 0 {
            return sign * Float(m)
                * Float(sign: .plus, exponent: 1 - bias - mantissaBits, significand: 1)
        }
        return sign * Float(m + (1 << mantissaBits))
            * Float(sign: .plus, exponent: e - bias - mantissaBits, significand: 1)
    }

    /// Round to nearest even into a small float; `maxFinite` is the largest finite code (no
    /// sign). With `unsignedZero` (FNUZ) the sign is dropped from a zero result, and NaN and
    /// overflow codes get no sign bit added.
    static func encode(
        _ f: Float, exponentBits: Int, bias: Int, maxFinite: UInt8, overflow: UInt8,
        nan: UInt8, unsignedZero: Bool = false
    ) -> UInt8 {
        let mantissaBits = 7 - exponentBits
        let sign: UInt8 = f.sign == .minus && !unsignedZero ? 0x80 : 0
        if f.isNaN { return nan | sign }
        let a = abs(f)
        if a.isInfinite { return overflow | sign }
        if a == 0 { return unsignedZero ? 0 : sign }
        let negative: UInt8 = f.sign == .minus ? 0x80 : 0
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
        if code == 0 { return unsignedZero ? 0 : negative }
        return UInt8(code) | negative
    }

    static func encodeE4M3(_ f: Float) -> UInt8 {
        encode(f, exponentBits: 4, bias: 7, maxFinite: 0x7e, overflow: 0x7f, nan: 0x7f)
    }
    static func encodeE5M2(_ f: Float) -> UInt8 {
        encode(f, exponentBits: 5, bias: 15, maxFinite: 0x7b, overflow: 0x7c, nan: 0x7e)
    }
    /// No infinity: ±Inf and overflow (|f| ≥ 248, the tie rounding to even 256) become NaN.
    static func encodeE4M3FNUZ(_ f: Float) -> UInt8 {
        encode(
            f, exponentBits: 4, bias: 8, maxFinite: 0x7f, overflow: 0x80, nan: 0x80,
            unsignedZero: true)
    }
    /// No infinity: ±Inf and overflow (|f| ≥ 61440) become NaN.
    static func encodeE5M2FNUZ(_ f: Float) -> UInt8 {
        encode(
            f, exponentBits: 5, bias: 16, maxFinite: 0x7f, overflow: 0x80, nan: 0x80,
            unsignedZero: true)
    }
}
