import CBLAS
import Testing

@testable import Reinforce

/// The AVX-512 sgemm twin (CBLAS/gemm.h): its two chains against naive Float loops of
/// fused multiply-adds, `Kernels.gemm` against `cblas_sgemm` bit for bit (one OpenBLAS
/// thread), and both against a Double reference.
@Suite(.serialized) struct ModelGEMMTwinTests {
    /// The trainer's shapes (batch 16, d_model 64, vocabulary 299, 240 or 16 rows) and odd
    /// ones: tails of 16 columns, K below 8, K cut in blocks (above 320), one row.
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (16, 192, 64), (16, 64, 256), (16, 299, 64), (240, 256, 64), (192, 299, 64),
        (240, 64, 299), (64, 192, 240), (299, 64, 240), (64, 64, 496), (5, 7, 3), (1, 299, 64),
        (33, 40, 700), (7, 17, 1000),
    ]

    static func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

    /// op(A)(i, k) and op(B)(k, j) of row-major buffers as the BLAS reads them.
    static func element(_ x: [Float], trans: Bool, rows: Int, cols: Int, _ i: Int, _ j: Int)
        -> Float
    {
        trans ? x[j * rows + i] : x[i * cols + j]
    }

    /// The K-block lengths of OpenBLAS's level-3 driver (Q = 320, halves rounded up to 8).
    static func blocks(_ k: Int) -> [Int] {
        var out: [Int] = [], ls = 0
        while ls < k {
            var ml = k - ls
            if ml >= 640 { ml = 320 } else if ml > 320 { ml = (ml / 2 + 7) / 8 * 8 }
            out.append(ml)
            ls += ml
        }
        return out
    }

    /// The twin's uniform modes (every element single, or every element split) against the
    /// chains written out as naive loops of `addingProduct` (one rounding each), with beta 1.
    @Test(
        .enabled(if: GEMMPlans.available, "the CPU has no AVX-512"),
        arguments: [(3, 37, 5), (6, 16, 64), (13, 35, 299), (4, 20, 700)])
    func uniformChainsEqualNaiveFusedLoops(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = ModelKernelTests.values(m * k, seed: UInt64(m * n + k), scale: 2)
            let b = ModelKernelTests.values(k * n, seed: UInt64(k) &+ 5, scale: 2)
            let c0 = ModelKernelTests.values(m * n, seed: 3)
            for split in [false, true] {
                var want = c0
                for i in 0..<m {
                    for j in 0..<n {
                        var acc = want[i * n + j], ls = 0
                        for ml in Self.blocks(k) {
                            var first: Float = 0, second: Float = 0
                            let k8 = ml / 8 * 8
                            for kk in 0..<ml {
                                let x = Self.element(a, trans: ta, rows: m, cols: k, i, ls + kk)
                                let y = Self.element(b, trans: tb, rows: k, cols: n, ls + kk, j)
                                if split && kk < k8 && kk % 2 == 1 {
                                    second = second.addingProduct(x, y)
                                } else {
                                    first = first.addingProduct(x, y)
                                }
                            }
                            acc = acc.addingProduct(split ? first + second : first, 1)
                            ls += ml
                        }
                        want[i * n + j] = acc
                    }
                }
                var got = c0
                let ok = mt_gemm_avx512(
                    ta ? 1 : 0, tb ? 1 : 0, m, n, k, 1, a, ta ? m : k, b, tb ? k : n, 1, &got, n,
                    nil, split ? 1 : 0, nil)
                #expect(ok == 1)
                #expect(Self.bits(got) == Self.bits(want), "\(shape) \(ta) \(tb) split \(split)")
            }
        }
    }

    /// `Kernels.gemm` (the twin where a plan exists) = `cblas_sgemm`, bit for bit, for every
    /// transpose pair and beta 0 and 1; both within float rounding of a Double reference.
    @Test(arguments: 0..<shapes.count)
    func gemmEqualsOpenBLASBitForBit(index: Int) {
        let (m, n, k) = Self.shapes[index]
        BLASThreads.set(1)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            var a = ModelKernelTests.values(m * k, seed: UInt64(index) &+ 20, scale: 3)
            for i in stride(from: 0, to: a.count, by: 11) { a[i] = 0 }
            let b = ModelKernelTests.values(k * n, seed: UInt64(index) &+ 21, scale: 3)
            let c0 = ModelKernelTests.values(m * n, seed: UInt64(index) &+ 22)
            let lda = ta ? m : k, ldb = tb ? k : n
            _ = GEMMPlans.shared.masks(ta, tb, m, n, k, now: true)  // the twin from the first call
            for beta: Float in [0, 1] {
                var ours = c0, theirs = c0
                Kernels.gemm(ta, tb, m, n, k, 1, a, lda, b, ldb, beta, &ours, n)
                cblas_sgemm(
                    CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, &theirs,
                    Int32(n))
                #expect(
                    Self.bits(ours) == Self.bits(theirs), "\(m)×\(n)×\(k) \(ta) \(tb) β \(beta)")
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = Double(beta) * Double(c0[i * n + j]), size = 0.0
                        for kk in 0..<k {
                            let p =
                                Double(Self.element(a, trans: ta, rows: m, cols: k, i, kk))
                                * Double(Self.element(b, trans: tb, rows: k, cols: n, kk, j))
                            sum += p
                            size += abs(p)
                        }
                        worst = max(worst, abs(Double(ours[i * n + j]) - sum) / max(size, 1))
                    }
                }
                #expect(worst < 1e-5, "\(m)×\(n)×\(k) \(ta) \(tb) β \(beta): \(worst)")
            }
        }
    }

    /// Sums that underflow to −0 (every product −0 after a first one below the subnormals),
    /// added with beta 1 to a C of −0: OpenBLAS keeps −0 on its one-chain elements and +0 on
    /// its split ones; the twin must agree on each (a −0 chain plus the unused +0 one is +0).
    @Test func negativeZeroSumsKeepTheirSign() {
        let (m, n, k) = (16, 64, 64)
        BLASThreads.set(1)
        _ = GEMMPlans.shared.masks(false, false, m, n, k, now: true)
        var a = [Float](repeating: -0.0, count: m * k)
        for i in 0..<m { a[i * k] = -1e-30 }  // × 1e-16: −1e-46 rounds to −0
        var b = [Float](repeating: 0, count: k * n)
        for j in 0..<n { b[j] = 1e-16 }
        var ours = [Float](repeating: -0.0, count: m * n), theirs = ours
        Kernels.gemm(false, false, m, n, k, 1, a, k, b, n, 1, &ours, n)
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a,
            Int32(k), b, Int32(n), 1, &theirs, Int32(n))
        #expect(Self.bits(ours) == Self.bits(theirs))
        #expect(theirs.contains { $0.bitPattern == (-0.0 as Float).bitPattern })
    }

    /// With OpenBLAS's Haswell kernel (the core this machine's environment selects) every
    /// trainer shape has a plan, so the trainer's products run on the twin.
    @Test(
        .enabled(
            if: GEMMPlans.available
                && String(cString: openblas_get_corename()) == "Haswell",
            "no AVX-512, or another OpenBLAS core"))
    func trainerShapesHavePlans() {
        BLASThreads.set(1)
        for (m, n, k) in Self.shapes.prefix(9) {
            for (ta, tb) in [(false, false), (true, false), (false, true)] {
                #expect(GEMMPlans.shared.masks(ta, tb, m, n, k, now: true) != nil, "\(m)×\(n)×\(k)")
            }
        }
    }
}
