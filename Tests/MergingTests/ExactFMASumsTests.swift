import CMergeKernels
import TestSupport
import Testing

/// The pair sums' fast paths (FMA where a product is exact, no distance diagonal, permuted
/// bf16 loads, task pairs held in registers, prefetch) against a naive lane-by-lane `Double`
/// loop written here in the documented order, at every SIMD level: lane j adds the terms of
/// elements ≡ j (mod 8) in element order, the last partial group zero-padded, then
/// `-0 + (l0+l4) + (l1+l5) + (l2+l6) + (l3+l7)`. Inputs are crafted to sit on both sides of the
/// exactness check (exponent gaps of 14…19 and 40 between base and models), with ±0,
/// subnormals, Inf/NaN, tails and 1…9 models. Finite results must match bit for bit; where
/// the reference is NaN the kernel must give NaN (its sign and payload depend on how the
/// compiler orders the operands of an addition, and differ between SIMD levels already).
@Suite struct ExactFMASumsTests {
    /// What the crafted inputs hold besides ordinary values near the base.
    enum Mode: CaseIterable, Sendable {
        case gap14, gap15, gap16, gap17, gap18, gap19, gap40
        case zerosAndSubnormals, nonFinite, mixedTypes

        var gap: Int? {
            switch self {
            case .gap14: 14
            case .gap15: 15
            case .gap16: 16
            case .gap17: 17
            case .gap18: 18
            case .gap19: 19
            case .gap40: 40
            default: nil
            }
        }
    }

    /// One chunk: the exact `Double` value of every element and its bytes in its input's type.
    struct Chunk {
        var values: [[Double]] = []
        var bytes: [[UInt8]] = []
        var kinds: [Int32] = []

        init(n: Int, inputs: Int, mode: Mode, seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            var bits = [[UInt16]](repeating: [], count: inputs)
            for _ in 0..<n {
                let field = 100 + Int(rng.next() % 20)  // the base's exponent field
                for i in 0..<inputs {
                    var e = field + Int(rng.next() % 3) - 1
                    if let g = mode.gap, i > 0, rng.next() % 4 == 0 {
                        e = field + (rng.next() % 2 == 0 ? g : -g)  // every element in range
                    }
                    var h = UInt16(truncatingIfNeeded: (rng.next() % 2) << 15)
                    h |= UInt16(e) << 7 | UInt16(rng.next() % 128)
                    switch mode {
                    case .zerosAndSubnormals:
                        let r = rng.next() % 6
                        if r == 0 { h &= 0x8000 }  // ±0
                        if r == 1 { h &= 0x807f }  // ±subnormal (or ±0)
                    case .nonFinite where rng.next() % 97 == 0:
                        h |= 0x7f80  // ±Inf or NaN
                    default: break
                    }
                    bits[i].append(h)
                }
            }
            for i in 0..<inputs {
                let v = bits[i].map { Double(Float(bitPattern: UInt32($0) << 16)) }
                values.append(v)
                let kind = mode == .mixedTypes ? [MT_BF16, MT_F32, MT_F64][i % 3] : MT_BF16
                kinds.append(Int32(kind))
                switch kind {
                case MT_BF16: bytes.append(bits[i].flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] })
                case MT_F32: bytes.append(v.flatMap { Self.le(Float($0).bitPattern) })
                default: bytes.append(v.flatMap { Self.le($0.bitPattern) })
                }
            }
        }

        static func le<T: FixedWidthInteger>(_ x: T) -> [UInt8] {
            (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: x >> (8 * $0)) }
        }

        /// `mt_pair_sums_at` on this chunk; returns task, weight and distance (upper triangles).
        func sums(level: Int, models m: Int, hasBase: Bool, what: UInt32) -> [[Double]] {
            var t = [Double](repeating: 0, count: m * m), w = t, d = t
            let raw = bytes.map { b in
                let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, b.count), alignment: 1)
                p.copyMemory(from: b, byteCount: b.count)
                return p
            }
            defer { for p in raw { p.deallocate() } }
            let ptrs: [UnsafeRawPointer?] = raw.map { UnsafeRawPointer($0) }
            let n = values[0].count
            mt_pair_sums_at(
                Int32(level), ptrs, kinds, m, hasBase ? 1 : 0, n, what, &t, &w, &d)
            return [t, w, d]
        }
    }

    /// Task, weight and distance sums by the documented lane order, in plain `Double`.
    static func reference(_ x: [[Double]], models m: Int, hasBase: Bool) -> [[Double]] {
        let n = x[0].count
        let first = hasBase ? 1 : 0
        let padded = (n + 7) / 8 * 8
        func v(_ i: Int, _ k: Int) -> Double { k < n ? x[i][k] : 0 }
        var out = [[Double]](repeating: [Double](repeating: 0, count: m * m), count: 3)
        for a in 0..<m {
            for c in a..<m {
                var lanes = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 3)
                for k in 0..<padded {
                    let b = hasBase ? v(0, k) : 0
                    let (p, q) = (v(first + a, k), v(first + c, k))
                    let e = p - q
                    lanes[0][k % 8] = lanes[0][k % 8] + (p - b) * (q - b)
                    lanes[1][k % 8] = lanes[1][k % 8] + p * q
                    lanes[2][k % 8] = lanes[2][k % 8] + e * e
                }
                for s in 0..<3 {
                    var r = -0.0
                    for j in 0..<4 { r = r + (lanes[s][j] + lanes[s][j + 4]) }
                    out[s][a * m + c] = 0 + r
                }
            }
        }
        if !hasBase { out[0] = [Double](repeating: 0, count: m * m) }
        return out
    }

    /// Same bits, or both NaN.
    static func same(_ x: Double, _ y: Double) -> Bool {
        x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)
    }

    @Test(arguments: Mode.allCases, 1...9)
    func sumsEqualTheLaneReference(_ mode: Mode, _ m: Int) {
        for n in [9, 31, 257, 1000] {
            for hasBase in [true, false] {
                let chunk = Chunk(
                    n: n, inputs: m + (hasBase ? 1 : 0), mode: mode,
                    seed: UInt64(1000 * n + 10 * m + (hasBase ? 1 : 0)))
                let ref = Self.reference(chunk.values, models: m, hasBase: hasBase)
                let whats: [UInt32] = [1, 2, 4, 7]
                for level in KernelTests.levels {
                    for what in whats where hasBase || what != 1 {
                        let got = chunk.sums(level: level, models: m, hasBase: hasBase, what: what)
                        for s in 0..<3 where what & (1 << s) != 0 && (s > 0 || hasBase) {
                            for a in 0..<m {
                                for c in a..<m {
                                    let (g, r) = (got[s][a * m + c], ref[s][a * m + c])
                                    let at = "\(mode) n \(n) m \(m) base \(hasBase)"
                                    #expect(
                                        Self.same(g, r),
                                        "\(at) level \(level) what \(what) sum \(s) \(a),\(c)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The exactness bound is tight enough to matter: with gaps of 40, products of task
    /// differences are inexact in `Double`, so an FMA there would round differently; the
    /// kernel must still equal the plain reference (it does when it falls back), and the
    /// reference itself must differ from an all-FMA sum somewhere (else the case proves
    /// nothing).
    @Test func wideGapsReallyNeedTheFallback() {
        let m = 2
        let chunk = Chunk(n: 1000, inputs: m + 1, mode: .gap40, seed: 7)
        let x = chunk.values
        var lanes = [Double](repeating: 0, count: 8), fused = lanes
        for k in 0..<1000 {
            let (p, q) = (x[1][k] - x[0][k], x[2][k] - x[0][k])
            lanes[k % 8] = lanes[k % 8] + p * q
            fused[k % 8] = p.multipliedAdding(q, fused[k % 8])
        }
        #expect(lanes != fused)
        let ref = Self.reference(x, models: m, hasBase: true)
        for level in KernelTests.levels {
            let got = chunk.sums(level: level, models: m, hasBase: true, what: 1)
            #expect(got[0][1].bitPattern == ref[0][1].bitPattern, "level \(level)")
        }
    }
}

extension Double {
    /// self · y + z with one rounding.
    fileprivate func multipliedAdding(_ y: Double, _ z: Double) -> Double {
        z.addingProduct(self, y)
    }
}
