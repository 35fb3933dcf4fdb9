import Foundation

// Causal multi-head self-attention over qkv rows (B, T, 3C) = [q | k | v], heads of size
// hs = C/NH side by side. Per (batch, head): two sgemm in the forward, four in the backward,
// reading q, k, v in place with leading dimension 3C (no copies).
extension Kernels {
    /// S = q·kᵀ/√hs with the causal mask (j > t is −∞), P = softmax rows, out = P·v.
    ///
    /// - Parameters:
    ///   - out: (B, T, C), head h in columns h·hs..<(h+1)·hs.
    ///   - att: (B, NH, T, T) softmax probabilities, zero above the diagonal (kept for the
    ///     backward).
    /// - Complexity: O(B·NH·T²·hs) in 2·B·NH sgemm calls.
    static func attentionForward(out: P, att: P, qkv: CP, b: Int, t: Int, c: Int, nh: Int) {
        let hs = c / nh, c3 = 3 * c
        let scale = 1 / Float(hs).squareRoot()
        for bi in 0..<b {
            let base = qkv + bi * t * c3
            for h in 0..<nh {
                let q = base + h * hs, k = base + c + h * hs, v = base + 2 * c + h * hs
                let a = att + (bi * nh + h) * t * t
                gemm(false, true, t, t, hs, scale, q, c3, k, c3, 0, a, t)
                for i in 0..<t {
                    let row = a + i * t
                    softmax(out: row, logits: row, n: i + 1)
                    for j in (i + 1)..<max(t, i + 1) { row[j] = 0 }
                }
                gemm(false, false, t, hs, t, 1, a, t, v, c3, 0, out + bi * t * c + h * hs, c)
            }
        }
    }

    /// Backward of `attentionForward`: with dP = dout·vᵀ and
    /// dS_tj = P_tj(dP_tj − Σ_k P_tk dP_tk)/√hs: dq += dS·k, dk += dSᵀ·q, dv += Pᵀ·dout.
    /// `scratch` holds T·T floats.
    static func attentionBackward(
        dqkv: P, dout: CP, qkv: CP, att: CP, scratch: P,
        b: Int, t: Int, c: Int, nh: Int
    ) {
        let hs = c / nh, c3 = 3 * c
        let scale = 1 / Float(hs).squareRoot()
        for bi in 0..<b {
            let base = qkv + bi * t * c3, dbase = dqkv + bi * t * c3
            for h in 0..<nh {
                let q = base + h * hs, k = base + c + h * hs, v = base + 2 * c + h * hs
                let dq = dbase + h * hs, dk = dbase + c + h * hs, dv = dbase + 2 * c + h * hs
                let a = att + (bi * nh + h) * t * t
                let dO = dout + bi * t * c + h * hs
                gemm(false, true, t, t, hs, 1, dO, c, v, c3, 0, scratch, t)
                gemm(true, false, t, hs, t, 1, a, t, dO, c, 1, dv, c3)
                for i in 0..<t {
                    let pr = a + i * t, dr = scratch + i * t
                    var dot: Float = 0
                    for j in 0...i { dot += pr[j] * dr[j] }
                    for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) * scale }
                    for j in (i + 1)..<max(t, i + 1) { dr[j] = 0 }
                }
                gemm(false, false, t, hs, t, 1, scratch, t, k, c3, 1, dq, c3)
                gemm(true, false, t, hs, t, 1, scratch, t, q, c3, 1, dk, c3)
            }
        }
    }
}
