import CBLAS
import Foundation

// llm.c style kernels on raw row-major buffers. N = B·T rows. Backward kernels add (+=) into
// their d-outputs; callers zero gradients once per step. Every matmul is one `cblas_sgemm`.
enum Kernels {
    typealias P = UnsafeMutablePointer<Float>
    typealias CP = UnsafePointer<Float>

    /// Row-major sgemm: C (M, N) = alpha · op(A) · op(B) + beta · C.
    @inline(__always)
    static func gemm(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Float, _ a: CP, _ lda: Int, _ b: CP, _ ldb: Int,
        _ beta: Float, _ c: P, _ ldc: Int
    ) {
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
    static func linearBackward(
        dinp: P, dweight: P, dbias: P, dout: CP, inp: CP, weight: CP,
        n: Int, c: Int, oc: Int
    ) {
        gemm(false, true, n, c, oc, 1, dout, oc, weight, oc, 1, dinp, c)
        gemm(true, false, c, oc, n, 1, inp, c, dout, oc, 1, dweight, oc)
        for r in 0..<n {
            let row = dout + r * oc
            for o in 0..<oc { dbias[o] += row[o] }
        }
    }

    /// LayerNorm per row: out = (x − μ)·rstd·w + b, rstd = 1/√(var + ε); saves μ and rstd.
    static func layerNormForward(
        out: P, mean: P, rstd: P, inp: CP, weight: CP, bias: CP,
        n: Int, c: Int, eps: Float
    ) {
        for r in 0..<n {
            let x = inp + r * c, o = out + r * c
            var m: Float = 0
            for i in 0..<c { m += x[i] }
            m /= Float(c)
            var v: Float = 0
            for i in 0..<c { let d = x[i] - m; v += d * d }
            v /= Float(c)
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
        for r in 0..<n {
            let x = inp + r * c, d = dout + r * c, dx = dinp + r * c
            let m = mean[r], s = rstd[r]
            var gMean: Float = 0, gnMean: Float = 0
            for i in 0..<c {
                let nh = (x[i] - m) * s
                let g = weight[i] * d[i]
                gMean += g
                gnMean += g * nh
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

    static let geluScale = Float((2 / Double.pi).squareRoot())

    /// GELU, tanh approximation (GPT-2 `gelu_new`): ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    static func geluForward(out: P, inp: CP, count: Int) {
        for i in 0..<count {
            let x = inp[i]
            out[i] = 0.5 * x * (1 + fastTanh(geluScale * (x + 0.044715 * x * x * x)))
        }
    }

    /// tanh(u) = 1 − 2/(e^{2u} + 1), through `expf` (several times faster than `tanhf` here,
    /// absolute error ~1e-7; saturates correctly: e^{2u} = ∞ gives 1, 0 gives −1).
    @inline(__always)
    static func fastTanh(_ u: Float) -> Float { 1 - 2 / (expf(2 * u) + 1) }

    /// dinp = dout · gelu'(inp) (overwrites dinp).
    static func geluBackward(dinp: P, inp: CP, dout: CP, count: Int) {
        for i in 0..<count {
            let x = inp[i]
            let u = geluScale * (x + 0.044715 * x * x * x)
            let th = fastTanh(u)
            let sech2 = 1 - th * th
            let grad = 0.5 * (1 + th) + 0.5 * x * sech2 * geluScale * (1 + 3 * 0.044715 * x * x)
            dinp[i] = grad * dout[i]
        }
    }

    /// out = a + b, elementwise.
    static func residualForward(out: P, a: CP, b: CP, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// Numerically stable softmax of one row of `n` logits scaled by 1/temperature, into
    /// `out`; returns log Σ exp(z/τ − max) + max, i.e. the log-partition of z/τ.
    @discardableResult
    static func softmax(out: P, logits: CP, n: Int, invTemperature: Float = 1) -> Float {
        var mx = -Float.infinity
        for i in 0..<n { mx = max(mx, logits[i] * invTemperature) }
        var sum: Float = 0
        for i in 0..<n {
            let e = expf(logits[i] * invTemperature - mx)
            out[i] = e
            sum += e
        }
        let inv = 1 / sum
        for i in 0..<n { out[i] *= inv }
        return mx + logf(sum)
    }
}
