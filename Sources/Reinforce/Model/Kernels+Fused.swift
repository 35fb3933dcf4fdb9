import CBLAS

// A linear layer's bias folded into the pass that reads the layer's output next (GELU, the
// residual add), instead of a copy of the bias into every row before a beta = 1 sgemm.
//
// Same values as `linearForward` followed by the separate pass: sgemm's K loop here is one
// block (K ≤ 4C), so with beta = 1 it stores bias + Σ_k a·b rounded once, and with beta = 0
// it stores the sum; adding the bias afterwards is the same one rounding (the sum is formed
// in the same order either way).
extension Kernels {
    /// Whether the CPU has AVX2, so the C twins in CBLAS/kernels.h (the same operations, eight
    /// lanes) may run instead of the Swift loops (four SSE lanes on the default target).
    static let avx2 = mt_has_avx2() != 0

    /// out (N, OC) = inp (N, C) · weight (C, OC), no bias (beta = 0).
    /// - Complexity: O(N·C·OC), one sgemm.
    static func linear(out: P, inp: CP, weight: CP, n: Int, c: Int, oc: Int) {
        gemm(false, false, n, oc, c, 1, inp, c, weight, oc, 0, out, oc)
    }

    /// out[r, o] += bias[o] for r < n.
    static func addBias(_ out: P, bias: CP, n: Int, oc: Int) {
        for r in 0..<n {
            let row = out + r * oc
            for o in 0..<oc { row[o] += bias[o] }
        }
    }

    /// res[r, o] = a[r, o] + (y[r, o] + bias[o]): the residual add of a linear output y
    /// computed without its bias (`linear`); y is left as it was.
    static func biasResidual(out res: P, a: CP, y: CP, bias: CP, n: Int, oc: Int) {
        for r in 0..<n {
            let o = res + r * oc, x = a + r * oc, yr = y + r * oc
            for i in 0..<oc { o[i] = x[i] + (yr[i] + bias[i]) }
        }
    }

    /// In place on the residual stream: x[r, o] += y[r, o] + bias[o] (the sampler's `x += tmp`
    /// with the bias folded in).
    static func biasResidual(_ x: P, y: CP, bias: CP, n: Int, oc: Int) {
        for r in 0..<n {
            let o = x + r * oc, yr = y + r * oc
            for i in 0..<oc { o[i] += yr[i] + bias[i] }
        }
    }

    /// pre[r, o] += bias[o], then out = gelu(pre) as `geluForward(out:inp:count:)`, in one pass.
    static func biasGelu(out: P, pre: P, bias: CP, n: Int, oc: Int) {
        if avx2 {
            mt_bias_gelu_avx2(out, nil, pre, bias, n, oc)
            return
        }
        biasGeluLoop(out: out, pre: pre, bias: bias, n: n, oc: oc)
    }

    /// `biasGelu` in Swift (the reference for the AVX2 twin).
    static func biasGeluLoop(out: P, pre: P, bias: CP, n: Int, oc: Int) {
        for r in 0..<n {
            let x = pre + r * oc, g = out + r * oc
            for i in 0..<oc {
                let v = x[i] + bias[i]
                x[i] = v
                g[i] = v * (1 / (1 + clampedExp(v * (geluK1 + geluK2 * (v * v)))))
            }
        }
    }

    /// `biasGelu` that also keeps σ(2u) in `sigmoid` (as `geluForward(out:sigmoid:inp:count:)`).
    static func biasGelu(out: P, sigmoid sg: P, pre: P, bias: CP, n: Int, oc: Int) {
        if avx2 {
            mt_bias_gelu_avx2(out, sg, pre, bias, n, oc)
            return
        }
        biasGeluLoop(out: out, sigmoid: sg, pre: pre, bias: bias, n: n, oc: oc)
    }

    /// `biasGelu(out:sigmoid:pre:bias:n:oc:)` in Swift (the reference for the AVX2 twin).
    static func biasGeluLoop(out: P, sigmoid sg: P, pre: P, bias: CP, n: Int, oc: Int) {
        for r in 0..<n {
            let x = pre + r * oc, g = out + r * oc, s = sg + r * oc
            for i in 0..<oc {
                let v = x[i] + bias[i]
                let si = 1 / (1 + clampedExp(v * (geluK1 + geluK2 * (v * v))))
                x[i] = v
                s[i] = si
                g[i] = v * si
            }
        }
    }
}
