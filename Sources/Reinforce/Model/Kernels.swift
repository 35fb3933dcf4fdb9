import CBLAS
import Foundation

// llm.c style kernels on raw row-major buffers. N = B·T rows. Backward kernels add (+=) into
// their d-outputs; callers zero gradients once per step. Every matmul is one `gemm` (OpenBLAS's
// sgemm, or its AVX-512 twin with the same bits).
enum Kernels {
    typealias P = UnsafeMutablePointer<Float>
    typealias CP = UnsafePointer<Float>

    /// Row-major sgemm: C (M, N) = alpha · op(A) · op(B) + beta · C, bit for bit OpenBLAS's
    /// `cblas_sgemm` with one thread. With AVX-512, one OpenBLAS thread and beta 0 or 1, the
    /// AVX-512 twin in CBLAS/gemm.h computes it: the same fused multiply-add chains per element
    /// as OpenBLAS, whose layout `GEMMPlans` learned for this shape (OpenBLAS itself when it
    /// could not, or otherwise). `transposedB` (with `transB`): Bᵀ already as a dense (K, N)
    /// matrix, for a B used by many calls (the twin otherwise transposes B per call).
    /// - Complexity: O(M·N·K); the twin allocates a K·N copy of Bᵀ for `transB` without
    ///   `transposedB`.
    static func gemm(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Float, _ a: CP, _ lda: Int, _ b: CP, _ ldb: Int,
        _ beta: Float, _ c: P, _ ldc: Int, transposedB: CP? = nil
    ) {
        if GEMMPlans.available, beta == 0 || beta == 1, alpha != 0, m > 0, n > 0, k > 0,
            openblas_get_num_threads() == 1,
            let masks = GEMMPlans.shared.masks(transA, transB, m, n, k),
            mt_gemm_avx512(
                transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                masks, 0, transB ? transposedB : nil) != 0
        {
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
            transB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// out (N, OC) = inp (N, C) · weight (C, OC) + bias (OC); weight stored (in, out) as
    /// GPT-2's Conv1D. One sgemm (bias is written first and accumulated with beta = 1).
    /// - Complexity: O(N·C·OC).
    static func linearForward(out: P, inp: CP, weight: CP, bias: CP, n: Int, c: Int, oc: Int) {
        for r in 0..<n { (out + r * oc).update(from: bias, count: oc) }
        gemm(false, false, n, oc, c, 1, inp, c, weight, oc, 1, out, oc)
    }

    /// dinp += dout · weightᵀ, dweight += inpᵀ · dout, dbias += Σ_rows dout.
    /// With `overwrite`, dinp = dout · weightᵀ (sgemm's beta = 0: OpenBLAS zeroes C and then
    /// accumulates exactly as into a zeroed buffer, so the result equals zeroing first).
    static func linearBackward(
        dinp: P, dweight: P, dbias: P, dout: CP, inp: CP, weight: CP,
        n: Int, c: Int, oc: Int, overwrite: Bool = false
    ) {
        gemm(false, true, n, c, oc, 1, dout, oc, weight, oc, overwrite ? 0 : 1, dinp, c)
        gemm(true, false, c, oc, n, 1, inp, c, dout, oc, 1, dweight, oc)
        for r in 0..<n {
            let row = dout + r * oc
            for o in 0..<oc { dbias[o] += row[o] }
        }
    }

    /// LayerNorm per row: out = (x − μ)·rstd·w + b, rstd = 1/√(var + ε); saves μ and rstd.
    /// μ and var are eight-lane sums (`sum`, `squaredDeviations`), not left folds.
    static func layerNormForward(
        out: P, mean: P, rstd: P, inp: CP, weight: CP, bias: CP,
        n: Int, c: Int, eps: Float
    ) {
        if avx2 {
            mt_layer_norm_forward_avx2(out, mean, rstd, inp, weight, bias, n, c, eps)
            return
        }
        layerNormForwardLoop(
            out: out, mean: mean, rstd: rstd, inp: inp, weight: weight, bias: bias, n: n, c: c,
            eps: eps)
    }

    /// `layerNormForward` in Swift (the reference for its AVX2 twin in CBLAS/kernels.h).
    static func layerNormForwardLoop(
        out: P, mean: P, rstd: P, inp: CP, weight: CP, bias: CP,
        n: Int, c: Int, eps: Float
    ) {
        for r in 0..<n {
            let x = inp + r * c, o = out + r * c
            let m = sum(x, count: c) / Float(c)
            let v = squaredDeviations(x, from: m, count: c) / Float(c)
            let s = 1 / (v + eps).squareRoot()
            for i in 0..<c { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[r] = m
            rstd[r] = s
        }
    }

    /// With n̂ = (x − μ)·rstd and g = dout·w:
    /// dx += rstd·(g − mean(g) − n̂·mean(g·n̂)), dw += Σ dout·n̂, db += Σ dout.
    static func layerNormBackward(
        dinp: P, dweight: P, dbias: P, dout: CP, inp: CP,
        weight: CP, mean: CP, rstd: CP, n: Int, c: Int
    ) {
        if avx2 {
            mt_layer_norm_backward_avx2(dinp, dweight, dbias, dout, inp, weight, mean, rstd, n, c)
            return
        }
        layerNormBackwardLoop(
            dinp: dinp, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight,
            mean: mean, rstd: rstd, n: n, c: c)
    }

    /// `layerNormBackward` in Swift (the reference for its AVX2 twin in CBLAS/kernels.h).
    static func layerNormBackwardLoop(
        dinp: P, dweight: P, dbias: P, dout: CP, inp: CP,
        weight: CP, mean: CP, rstd: CP, n: Int, c: Int
    ) {
        for r in 0..<n {
            let x = inp + r * c, d = dout + r * c, dx = dinp + r * c
            let m = mean[r], s = rstd[r]
            // Σ g and Σ g·n̂ in eight lanes each, then the lanes and the tail in order.
            var ag = SIMD8<Float>(), agn = SIMD8<Float>()
            var i = 0
            while i + 8 <= c {
                let nh = (load8(x + i) - m) * s
                let g = load8(weight + i) * load8(d + i)
                ag += g
                agn += g * nh
                i += 8
            }
            var gMean = laneSum(ag), gnMean = laneSum(agn)
            while i < c {
                let nh = (x[i] - m) * s
                let g = weight[i] * d[i]
                gMean += g
                gnMean += g * nh
                i += 1
            }
            gMean /= Float(c)
            gnMean /= Float(c)
            for i in 0..<c {
                let nh = (x[i] - m) * s
                let g = weight[i] * d[i]
                dbias[i] += d[i]
                dweight[i] += nh * d[i]
                dx[i] += s * (g - gMean - nh * gnMean)
            }
        }
    }

    /// √(2/π) rounded to Float (a literal, so hot loops see a constant).
    static let geluScale: Float = 0.797_884_560_802_865_4
    /// −2√(2/π) and −2√(2/π)·0.044715 (Double products rounded once): v = −2u = x·(k₁ + k₂x²).
    static let geluK1: Float = -1.595_769_121_605_730_8
    static let geluK2: Float = -0.071_354_816_272_600_25

    /// GELU, tanh approximation (GPT-2 `gelu_new`): ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³),
    /// computed as x·σ(2u) with σ(2u) = 1/(1 + e^{−2u}) (the same function: ½(1 + tanh u) =
    /// σ(2u)); one exponential, one division, and no cancellation in 1 + tanh u for x ≪ 0.
    /// `clampedExp` saturates σ to 1 and to ~4·10⁻³⁹ at the ends.
    static func geluForward(out: P, inp: CP, count: Int) {
        for i in 0..<count {
            let x = inp[i]
            out[i] = x * (1 / (1 + clampedExp(x * (geluK1 + geluK2 * (x * x)))))
        }
    }

    /// `geluForward` that also keeps σ(2u) per element in `sigmoid` for `geluBackward`
    /// (the training forward), so the backward needs no exponential. Same outputs.
    static func geluForward(out: P, sigmoid sg: P, inp: CP, count: Int) {
        for i in 0..<count {
            let x = inp[i]
            let s = 1 / (1 + clampedExp(x * (geluK1 + geluK2 * (x * x))))
            sg[i] = s
            out[i] = x * s
        }
    }

    /// dinp = dout · gelu'(inp) (overwrites dinp), with σ = σ(2u) saved by the forward:
    /// gelu'(x) = σ + x·σ(1 − σ)·2√(2/π)(1 + 3·0.044715x²).
    static func geluBackward(dinp: P, inp: CP, sigmoid sgp: CP, dout: CP, count: Int) {
        for i in 0..<count {
            let x = inp[i]
            let s = sgp[i]
            let grad = s + x * (s * (1 - s)) * (2 * geluScale) * (1 + 3 * 0.044715 * (x * x))
            dinp[i] = grad * dout[i]
        }
    }

    /// out = a + b, elementwise.
    static func residualForward(out: P, a: CP, b: CP, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// Numerically stable softmax of one row of `n` logits scaled by 1/temperature, into
    /// `out` (may be `logits`); returns log Σ exp(z/τ − max) + max, i.e. the log-partition of
    /// z/τ. The exponentials are `fastExp` and Σ is `sum` (eight partial sums), so the three
    /// passes vectorise.
    /// - Complexity: O(n).
    @discardableResult
    static func softmax(out: P, logits: CP, n: Int, invTemperature: Float = 1) -> Float {
        if avx512 { return mt_softmax_avx512(out, logits, n, invTemperature) }
        if avx2 { return mt_softmax_avx2(out, logits, n, invTemperature) }
        return softmaxLoop(out: out, logits: logits, n: n, invTemperature: invTemperature)
    }

    /// `softmax` in Swift (the reference for its AVX2 twin in CBLAS/kernels.h).
    @discardableResult
    static func softmaxLoop(out: P, logits: CP, n: Int, invTemperature: Float = 1) -> Float {
        let mx = maximum(logits, count: n) * invTemperature
        if invTemperature == 1 {
            for i in 0..<n { out[i] = fastExp(logits[i] - mx) }
        } else {
            for i in 0..<n { out[i] = fastExp(logits[i] * invTemperature - mx) }
        }
        let total = sum(out, count: n)
        let inv = 1 / total
        for i in 0..<n { out[i] *= inv }
        return mx + logf(total)
    }
}
