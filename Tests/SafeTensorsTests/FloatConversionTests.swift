import Foundation
import TestSupport
import Testing

@testable import SafeTensors

/// An independent reference rounder: decodes every code of a small format to `Double`, then
/// rounds a `Double` to the nearest code by binary search, ties to the even code; values past
/// the midpoint between the largest finite value and the next power step overflow.
struct ReferenceFormat {
    let values: [(value: Double, code: UInt16)]  // finite non-negative, ascending
    let overflowCode: UInt16  // +Inf (or NaN for E4M3)
    let nextBeyondMax: Double  // the value one ulp past the largest finite
    let signBit: UInt16

    init(
        codes: Int, signBit: UInt16, decode: (UInt16) -> Double, overflowCode: UInt16,
        nextBeyondMax: Double
    ) {
        var v: [(Double, UInt16)] = []
        for c in 0..<codes where UInt16(c) & signBit == 0 {
            let d = decode(UInt16(c))
            if d.isFinite { v.append((d, UInt16(c))) }
        }
        values = v.sorted { $0.0 < $1.0 }
        self.overflowCode = overflowCode
        self.nextBeyondMax = nextBeyondMax
        self.signBit = signBit
    }

    /// The code of `x`, or `nil` for NaN (checked separately).
    func round(_ x: Double) -> UInt16? {
        if x.isNaN { return nil }
        let sign: UInt16 = x.sign == .minus ? signBit : 0
        let a = abs(x)
        let maxV = values.last!.value
        if a > maxV {
            let mid = (maxV + nextBeyondMax) / 2
            if a > mid || (a == mid && values.last!.code & 1 == 1) { return overflowCode | sign }
            return values.last!.code | sign
        }
        var lo = 0, hi = values.count - 1
        while hi - lo > 1 {
            let m = (lo + hi) / 2
            if values[m].value <= a { lo = m } else { hi = m }
        }
        if values[lo].value == a { return values[lo].code | sign }
        let (l, h) = (values[lo], values[hi])
        let dl = a - l.value, dh = h.value - a
        if dl < dh { return l.code | sign }
        if dh < dl { return h.code | sign }
        return (l.code & 1 == 0 ? l.code : h.code) | sign
    }
}

@Suite struct FloatConversionTests {
    static let bf16 = ReferenceFormat(
        codes: 65536, signBit: 0x8000,
        decode: { Double(Float(bitPattern: UInt32($0) << 16)) }, overflowCode: 0x7f80,
        nextBeyondMax: 0x1p128)
    static let f16 = ReferenceFormat(
        codes: 65536, signBit: 0x8000, decode: { Double(Float16(bitPattern: $0)) },
        overflowCode: 0x7c00, nextBeyondMax: 65536)
    static let e4m3 = ReferenceFormat(
        codes: 256, signBit: 0x80, decode: { Double(F8Tables.e4m3[Int($0)]) },
        overflowCode: 0x7f, nextBeyondMax: 480)
    static let e5m2 = ReferenceFormat(
        codes: 256, signBit: 0x80, decode: { Double(F8Tables.e5m2[Int($0)]) },
        overflowCode: 0x7c, nextBeyondMax: 65536)

    /// Random bit patterns, every midpoint between neighbouring codes (exact ties), the codes
    /// themselves, subnormals, ±0, ±Inf, NaNs, FLT_MAX and values just past the overflow point.
    static func inputs(for format: ReferenceFormat) -> [Float] {
        var out: [Float] = [
            0, -0.0, .infinity, -.infinity, .nan, -Float.nan,
            Float(bitPattern: 0x7f80_0001), .greatestFiniteMagnitude,
            -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude,
        ]
        let v = format.values
        for i in 0..<v.count {
            out.append(Float(v[i].value))
            if i + 1 < v.count {
                let mid = (v[i].value + v[i + 1].value) / 2
                out += [Float(mid), Float(mid).nextUp, Float(mid).nextDown, -Float(mid)]
            }
        }
        let top = (v.last!.value + format.nextBeyondMax) / 2
        out += [Float(top), Float(top).nextUp, Float(top).nextDown, Float(format.nextBeyondMax)]
        var rng = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            out.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())))
        }
        for _ in 0..<2_000 {
            out.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x807f_ffff))
        }
        return out
    }

    static func encoded(_ xs: [Float], _ d: DType) -> [UInt16] {
        let size = d.byteSize!
        var raw = [UInt8](repeating: 0, count: xs.count * size)
        raw.withUnsafeMutableBytes { r in
            xs.withUnsafeBufferPointer { FloatConversion.encode($0, dtype: d, into: r) }
        }
        return (0..<xs.count).map { i in
            size == 1 ? UInt16(raw[i]) : UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8
        }
    }

    @Test(arguments: [DType.bf16, .f16, .f8e4m3, .f8e5m2])
    func narrowingMatchesDoubleReference(_ d: DType) {
        let format = [
            DType.bf16: Self.bf16, .f16: Self.f16, .f8e4m3: Self.e4m3, .f8e5m2: Self.e5m2,
        ][d]!
        let xs = Self.inputs(for: format)
        let got = Self.encoded(xs, d)
        var mismatches = 0
        for (x, code) in zip(xs, got) {
            if let want = format.round(Double(x)) {
                if code != want { mismatches += 1 }
            } else {
                // NaN stays NaN (decoded back).
                let back = Self.decoded([code], d)[0]
                if !back.isNaN { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    static func decoded(_ codes: [UInt16], _ d: DType) -> [Float] {
        let size = d.byteSize!
        var raw: [UInt8] = []
        for c in codes { raw += size == 1 ? [UInt8(c)] : [UInt8(c & 0xff), UInt8(c >> 8)] }
        var out = [Float](repeating: 0, count: codes.count)
        raw.withUnsafeBytes { r in
            out.withUnsafeMutableBufferPointer {
                try! FloatConversion.decode(r, dtype: d, into: $0)
            }
        }
        return out
    }

    @Test(arguments: [DType.bf16, .f16, .f8e4m3, .f8e5m2])
    func everyCodeRoundTrips(_ d: DType) {
        let codes = (0..<(d.bits == 8 ? 256 : 65536)).map { UInt16($0) }
        let values = Self.decoded(codes, d)
        let back = Self.encoded(values, d)
        for (c, (v, b)) in zip(codes, zip(values, back)) {
            if v.isNaN {
                #expect(Self.decoded([b], d)[0].isNaN)
            } else if c != b {
                #expect(c == b); return
            }
        }
    }

    @Test func knownValues() {
        #expect(FloatConversion.bf16Bits(Float(bitPattern: 0x3f80_8000)) == 0x3f80)  // tie to even
        #expect(FloatConversion.bf16Bits(Float(bitPattern: 0x3f81_8000)) == 0x3f82)
        #expect(FloatConversion.bf16Bits(Float.greatestFiniteMagnitude) == 0x7f80)  // overflow
        // sNaN stays NaN
        #expect(FloatConversion.bf16Bits(Float(bitPattern: 0x7f80_0001)) == 0x7fc0)
        #expect(Self.encoded([65520, 65519, -1e6], .f16) == [0x7c00, 0x7bff, 0xfc00])
        #expect(Self.encoded([464, 470, 448, .infinity], .f8e4m3) == [0x7e, 0x7f, 0x7e, 0x7f])
        #expect(Self.encoded([61440, 57344, -.infinity], .f8e5m2) == [0x7c, 0x7b, 0xfc])
    }

    @Test func doubleToBF16RoundsOnce() {
        // 1 + 2^-8 + 2^-30: above the bf16 tie, but Float rounding lands exactly on the tie.
        let x = 1 + 0x1p-8 + 0x1p-30
        #expect(FloatConversion.bf16Bits(x) == 0x3f81)
        #expect(FloatConversion.bf16Bits(1 + 0x1p-8) == 0x3f80)  // a true tie: to even
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let d = Double(bitPattern: rng.next() & 0xbfff_ffff_ffff_ffff)  // |d| < 2
            #expect(Self.bf16.round(d) == FloatConversion.bf16Bits(d))
        }
    }

    @Test(arguments: [DType.f16, .bf16, .f32, .f64, .f8e4m3, .f8e5m2])
    func unalignedAndDoubleDecodeAgree(_ d: DType) throws {
        let xs: [Float] = (0..<1000).map { Float($0) * 0.37 - 150 }
        let size = d.byteSize!
        var raw = [UInt8](repeating: 0, count: 1 + xs.count * size)
        raw.withUnsafeMutableBytes { r in
            xs.withUnsafeBufferPointer {
                FloatConversion.encode(
                    $0, dtype: d, into: UnsafeMutableRawBufferPointer(rebasing: r[1...]))
            }
        }
        var f = [Float](repeating: 0, count: xs.count)
        var g = [Double](repeating: 0, count: xs.count)
        try raw.withUnsafeBytes { r in
            let part = UnsafeRawBufferPointer(rebasing: r[1...])
            try f.withUnsafeMutableBufferPointer {
                try FloatConversion.decode(part, dtype: d, into: $0)
            }
            try g.withUnsafeMutableBufferPointer {
                try FloatConversion.decode(part, dtype: d, into: $0)
            }
        }
        #expect(zip(f, g).allSatisfy { Double($0) == $1 })
        let aligned = Self.decoded(
            Self.encoded(xs, d == .f32 || d == .f64 ? .bf16 : d), d == .f32 || d == .f64 ? .bf16 : d
        )
        if d != .f32 && d != .f64 { #expect(f == aligned) } else { #expect(f == xs) }
    }
}

@Suite struct DoubleNarrowingTests {
    /// Double → every narrow type rounds once (checked against the reference rounder on
    /// Doubles, including values just off Float-representable ties).
    @Test(arguments: [DType.bf16, .f16, .f8e4m3, .f8e5m2])
    func doubleRoundsOnce(_ d: DType) {
        let format = [
            DType.bf16: FloatConversionTests.bf16, .f16: FloatConversionTests.f16,
            .f8e4m3: FloatConversionTests.e4m3, .f8e5m2: FloatConversionTests.e5m2,
        ][d]!
        var xs: [Double] = []
        let v = format.values
        for i in 0..<(v.count - 1) {
            let mid = (v[i].value + v[i + 1].value) / 2
            xs += [mid, mid.nextUp, mid.nextDown, mid + mid * 0x1p-40, mid - mid * 0x1p-40]
        }
        var rng = SplitMix64(seed: 3)
        for _ in 0..<5000 {
            xs.append(Double(bitPattern: rng.next() & 0xbfff_ffff_ffff_ffff) * 100)
        }
        let size = d.byteSize!
        var raw = [UInt8](repeating: 0, count: xs.count * size)
        raw.withUnsafeMutableBytes { r in
            xs.withUnsafeBufferPointer { FloatConversion.encode($0, dtype: d, into: r) }
        }
        var mismatches = 0
        for (i, x) in xs.enumerated() {
            let code = size == 1 ? UInt16(raw[i]) : UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8
            if let want = format.round(x), want != code { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
}
