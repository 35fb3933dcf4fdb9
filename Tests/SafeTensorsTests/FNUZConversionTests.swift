import Foundation
import TestSupport
import Testing

@testable import SafeTensors

/// An independent model of an FNUZ 8-bit float (arXiv 2206.02915; LLVM APFloat
/// Float8E4M3FNUZ/Float8E5M2FNUZ): S.E.M with bias 2^(E−1), every exponent field finite,
/// subnormals at field 0, no infinity, no −0, and 0x80 the one NaN. Values in `Double`.
struct FNUZReference {
    let exponentBits: Int
    var mantissaBits: Int { 7 - exponentBits }
    var bias: Int { 1 << (exponentBits - 1) }

    /// The value of `code`, or `nil` for the NaN code 0x80.
    func value(_ code: UInt8) -> Double? {
        if code == 0x80 { return nil }
        let e = Int(code >> UInt8(mantissaBits)) & ((1 << exponentBits) - 1)
        let m = Double(Int(code) & ((1 << mantissaBits) - 1))
        let scale = Double(1 << mantissaBits)
        let magnitude =
            e == 0
            ? m / scale * pow(2, Double(1 - bias)) : (1 + m / scale) * pow(2, Double(e - bias))
        return code & 0x80 != 0 ? -magnitude : magnitude
    }

    /// The largest finite value (code 0x7f) and the power of two one step past it.
    var maxFinite: Double { value(0x7f)! }
    var beyondMax: Double { pow(2, Double((1 << exponentBits) - bias)) }

    /// Round to nearest, ties to the even code; NaN, ±Inf and magnitudes from the midpoint
    /// between the largest finite value and `beyondMax` on (the tie goes to the even
    /// `beyondMax`, which does not exist) give NaN; a zero result is +0 whatever the sign.
    func round(_ x: Double) -> UInt8 {
        if x.isNaN || x.isInfinite { return 0x80 }
        let a = abs(x)
        if a >= (maxFinite + beyondMax) / 2 { return 0x80 }
        var best: UInt8 = 0
        var bestDistance = Double.infinity
        for c in UInt8(0)...0x7f {
            let d = abs(value(c)! - a)
            if d < bestDistance || (d == bestDistance && c & 1 == 0) {
                best = c
                bestDistance = d
            }
        }
        if best == 0 { return 0 }
        return x < 0 ? best | 0x80 : best
    }
}

@Suite struct FNUZConversionTests {
    static let formats: [(DType, FNUZReference)] = [
        (.f8e4m3fnuz, FNUZReference(exponentBits: 4)),
        (.f8e5m2fnuz, FNUZReference(exponentBits: 5)),
    ]

    static func decoded(_ codes: [UInt8], _ d: DType) throws -> [Float] {
        var out = [Float](repeating: 0, count: codes.count)
        try codes.withUnsafeBytes { r in
            try out.withUnsafeMutableBufferPointer {
                try FloatConversion.decode(r, dtype: d, into: $0)
            }
        }
        return out
    }

    static func encoded(_ xs: [Float], _ d: DType) -> [UInt8] {
        var raw = [UInt8](repeating: 0, count: xs.count)
        raw.withUnsafeMutableBytes { r in
            xs.withUnsafeBufferPointer { FloatConversion.encode($0, dtype: d, into: r) }
        }
        return raw
    }

    static func encoded(_ xs: [Double], _ d: DType) -> [UInt8] {
        var raw = [UInt8](repeating: 0, count: xs.count)
        raw.withUnsafeMutableBytes { r in
            xs.withUnsafeBufferPointer { FloatConversion.encode($0, dtype: d, into: r) }
        }
        return raw
    }

    @Test func namesAndSizes() {
        #expect(DType(rawValue: "F8_E4M3FNUZ") == .f8e4m3fnuz)
        #expect(DType(rawValue: "F8_E5M2FNUZ") == .f8e5m2fnuz)
        for d in [DType.f8e4m3fnuz, .f8e5m2fnuz] {
            #expect(d.bits == 8 && d.byteSize == 1 && d.isConvertibleFloat && d.isFloatingPoint)
        }
    }

    @Test(arguments: [0, 1])
    func everyCodeDecodesLikeTheReference(_ k: Int) throws {
        let (d, ref) = Self.formats[k]
        let codes = (0..<256).map { UInt8($0) }
        let got = try Self.decoded(codes, d)
        for (c, f) in zip(codes, got) {
            if let want = ref.value(c) {
                #expect(Double(f) == want, "code \(c)")
            } else {
                #expect(f.isNaN, "code \(c)")
            }
        }
        #expect(got.filter(\.isNaN).count == 1)
        #expect(!got.contains { $0.isInfinite })
    }

    @Test(arguments: [0, 1])
    func everyCodeRoundTrips(_ k: Int) throws {
        let (d, _) = Self.formats[k]
        let codes = (0..<256).map { UInt8($0) }
        #expect(Self.encoded(try Self.decoded(codes, d), d) == codes)
    }

    /// Codes, exact ties between neighbours (and one ulp either side), both signs, the
    /// overflow point, values below half the smallest subnormal, ±0, ±Inf, NaN, random bits.
    static func inputs(_ ref: FNUZReference) -> [Double] {
        var xs: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 1e300, -1e-300]
        let values = (UInt8(0)...0x7f).map { ref.value($0)! }
        for i in values.indices {
            xs += [values[i], -values[i]]
            let next = i + 1 < values.count ? values[i + 1] : ref.beyondMax
            let mid = (values[i] + next) / 2
            let f = Float(mid)
            for v in [Double(f), Double(f.nextUp), Double(f.nextDown)] { xs += [v, -v] }
        }
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20_000 {
            xs.append(Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))))
        }
        return xs
    }

    @Test(arguments: [0, 1])
    func floatNarrowingMatchesTheReference(_ k: Int) {
        let (d, ref) = Self.formats[k]
        let xs = Self.inputs(ref)
        let got = Self.encoded(xs.map { Float($0) }, d)
        var mismatches: [String] = []
        for (x, code) in zip(xs, got) where code != ref.round(x) {
            mismatches.append("\(x) → \(code), want \(ref.round(x))")
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    /// Double inputs just off a tie must round once (not to the tie, then to even).
    @Test(arguments: [0, 1])
    func doubleNarrowingRoundsOnce(_ k: Int) {
        let (d, ref) = Self.formats[k]
        var xs: [Double] = []
        let values = (UInt8(0)...0x7f).map { ref.value($0)! }
        for i in 0..<(values.count - 1) {
            let mid = (values[i] + values[i + 1]) / 2
            for v in [mid, mid + mid * 0x1p-40, mid - mid * 0x1p-40] { xs += [v, -v] }
        }
        let got = Self.encoded(xs, d)
        #expect(zip(xs, got).allSatisfy { ref.round($0) == $1 })
    }

    @Test func knownValues() {
        let e4: [Float] = [1, 240, 247.99, 248, 256, 0x1p-10, 0x1p-11, -0x1p-12, -0.0, .infinity]
        #expect(
            Self.encoded(e4, .f8e4m3fnuz) == [
                0x40, 0x7f, 0x7f, 0x80, 0x80, 0x01, 0x00, 0x00, 0, 0x80,
            ])
        let e5: [Float] = [1, 57344, 61439, 61440, 0x1p-17, -0x1p-19, -2, -.infinity, .nan]
        #expect(
            Self.encoded(e5, .f8e5m2fnuz) == [0x40, 0x7f, 0x7f, 0x80, 0x01, 0x00, 0xc4, 0x80, 0x80])
    }

    /// A file holding FNUZ tensors opens, copies byte for byte and reads back as values.
    @Test(arguments: [0, 1])
    func checkpointWithFNUZTensorsReadsAndCopies(_ k: Int) throws {
        let (d, ref) = Self.formats[k]
        let codes = (0..<256).map { UInt8($0) }
        let header =
            "{\"q\":{\"dtype\":\"\(d.rawValue)\",\"shape\":[16,16],\"data_offsets\":[0,256]}}"
        let file = Fixture.safetensors(headerBytes: Array(header.utf8), data: codes)
        let dir = Fixture.tempDir("fnuz")
        defer { Fixture.cleanup(dir) }
        let src = (dir as NSString).appendingPathComponent("in.safetensors")
        let dst = (dir as NSString).appendingPathComponent("out.safetensors")
        Fixture.write(file, to: src)
        let store = try Checkpoint.open(src)
        #expect(store.tensors.map(\.dtype) == [d])
        try Fixture.writeCheckpoint(store, to: dst)
        #expect(try Checkpoint.open(dst).bytes(of: "q") == codes)
        let values = try store.bytes(of: "q").withUnsafeBytes { r in
            var out = [Double](repeating: 0, count: 256)
            try out.withUnsafeMutableBufferPointer {
                try FloatConversion.decode(r, dtype: d, into: $0)
            }
            return out
        }
        for (c, v) in zip(codes, values) {
            if let want = ref.value(c) { #expect(v == want) } else { #expect(v.isNaN) }
        }
    }
}
