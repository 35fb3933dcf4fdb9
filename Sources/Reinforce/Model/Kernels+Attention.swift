import CBLAS

// Causal multi-head self-attention over qkv rows (B, T, 3C) = [q | k | v], heads of size
// hs = C/NH side by side, read in place with row stride 3C (no copies). At hs = 16 and T ≤ 32
// a BLAS call per (batch, head) costs more than its arithmetic, so the products are hand loops
// of `dot` and `axpy` over the causal triangle only (j ≤ i).
extension Kernels {
    /// S = q·kᵀ/√hs with the causal mask (j > t is −∞), P = softmax rows, out = P·v.
    ///
    ///     S_ij = (q_i · k_j)/√hs  (j ≤ i),   out_i = Σ_{j ≤ i} P_ij v_j   (j in order)
    ///
    /// - Parameters:
    ///   - out: (B, T, C), head h in columns h·hs..<(h+1)·hs.
    ///   - att: (B, NH, T, T) softmax probabilities, zero above the diagonal (kept for the
    ///     backward).
    /// - Complexity: O(B·NH·T²·hs); no BLAS call, no allocation.
    static func attentionForward(out: P, att: P, qkv: CP, b: Int, t: Int, c: Int, nh: Int) {
        let hs = c / nh, c3 = 3 * c
        let scale = 1 / Float(hs).squareRoot()
        // Heads four at a time where the four-head twin applies (each (row, head) is computed
        // alone, so the grouping changes no value), the rest one by one.
        let grouped = hs == 16 && avx2 ? nh / 4 * 4 : 0
        for bi in 0..<b {
            let base = qkv + bi * t * c3
            for i in 0..<t {
                for h in stride(from: 0, to: grouped, by: 4) {
                    let a = att + ((bi * nh + h) * t + i) * t, tt = t * t
                    let rows = (a, a + tt, a + 2 * tt, a + 3 * tt)
                    attendRow16x4(
                        query: base + i * c3 + h * hs, keys: base + c + h * hs,
                        values: base + 2 * c + h * hs, stride: c3, count: i + 1,
                        scale: scale, probabilities: rows, out: out + (bi * t + i) * c + h * hs)
                    for g in 0..<4 { (a + g * tt + i + 1).update(repeating: 0, count: t - i - 1) }
                }
                for h in grouped..<nh {
                    let row = att + ((bi * nh + h) * t + i) * t
                    attendRow(
                        query: base + i * c3 + h * hs, keys: base + c + h * hs,
                        values: base + 2 * c + h * hs, stride: c3, count: i + 1,
                        headSize: hs, scale: scale, probabilities: row,
                        out: out + (bi * t + i) * c + h * hs)
                    for j in (i + 1)..<t { row[j] = 0 }
                }
            }
        }
    }

    /// Backward of `attentionForward`: with dP = dout·vᵀ and
    /// dS_ij = P_ij(dP_ij − Σ_k P_ik dP_ik)/√hs: dq += dS·k, dk += dSᵀ·q, dv += Pᵀ·dout.
    /// `scratch` holds T·T floats (the dS rows).
    /// - Complexity: O(B·NH·T²·hs); no BLAS call, no allocation.
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
                for i in 0..<t where hs == 16 && avx2 {
                    mt_attention_backward_row16_avx2(
                        i, a + i * t, scratch + i * t, dO + i * c, q, k, v, dq, dk, dv, c3, scale)
                }
                for i in 0..<t where hs == 16 && !avx2 {
                    attentionBackwardRow16(
                        row: i, probabilities: a + i * t, scratch: scratch + i * t,
                        dout: dO + i * c, q: q, k: k, v: v, dq: dq, dk: dk, dv: dv,
                        stride: c3, scale: scale)
                }
                for i in 0..<t where hs != 16 {
                    let pr = a + i * t, dr = scratch + i * t, doi = dO + i * c
                    var total: Float = 0
                    for j in 0...i {
                        let dp = dot(doi, v + j * c3, count: hs)
                        dr[j] = dp
                        total += pr[j] * dp
                        axpy(pr[j], doi, dv + j * c3, count: hs)
                    }
                    for j in 0...i { dr[j] = pr[j] * (dr[j] - total) * scale }
                    let dqi = dq + i * c3, qi = q + i * c3
                    for j in 0...i {
                        axpy(dr[j], k + j * c3, dqi, count: hs)
                        axpy(dr[j], qi, dk + j * c3, count: hs)
                    }
                }
            }
        }
    }

    /// One query against `count` cached key/value rows (row stride `stride`):
    ///
    ///     p_j = softmax_j(scale · q·k_j),   out = Σ_j p_j v_j   (j in order)
    ///
    /// `probabilities` receives p (`count` floats). The values are those of `dot`, then
    /// `softmaxInPlace`, then `axpy` per key, with the max taken while the scores are
    /// computed and the normalisation folded into the last pass.
    /// - Complexity: O(count·headSize).
    @inline(__always)
    static func attendRow(
        query q: CP, keys k: CP, values v: CP, stride: Int, count n: Int, headSize hs: Int,
        scale: Float, probabilities row: P, out o: P
    ) {
        if hs == 16 && avx2 {
            mt_attend_row16_avx2(q, k, v, stride, n, scale, row, o)
            return
        }
        if hs == 16 {
            attendRow16(
                query: q, keys: k, values: v, stride: stride, count: n, scale: scale,
                probabilities: row, out: o)
            return
        }
        var mx = -Float.infinity
        for j in 0..<n {
            let s = dot(q, k + j * stride, count: hs) * scale
            row[j] = s
            mx = s > mx || s.isNaN ? s : mx
        }
        for j in 0..<n { row[j] = fastExp(row[j] - mx) }
        let inv = 1 / sum(row, count: n)
        o.update(repeating: 0, count: hs)
        for j in 0..<n {
            let pj = row[j] * inv
            row[j] = pj
            axpy(pj, v + j * stride, o, count: hs)
        }
    }

    /// `attendRow` for four heads at head size 16 (AVX2 only: callers check `avx2`): head g
    /// reads query, keys and values 16·g floats further on, writes its probabilities to
    /// `probabilities.g` and its output to `out + 16·g`. Each head's values are bit for bit
    /// `attendRow`'s; the twin interleaves the four heads' independent chains.
    @inline(__always)
    static func attendRow16x4(
        query q: CP, keys k: CP, values v: CP, stride: Int, count n: Int, scale: Float,
        probabilities rows: (P, P, P, P), out o: P
    ) {
        var table: (P?, P?, P?, P?) = rows
        withUnsafePointer(to: &table) {
            $0.withMemoryRebound(to: P?.self, capacity: 4) {
                mt_attend_row16x4_avx2(q, k, v, stride, n, scale, $0, o)
            }
        }
    }

    /// `attendRow` at head size 16 (the default model) with the query and the output held in
    /// registers: the same operations in the same order as `dot` and `axpy` (so the same
    /// values), without their loops and tails or a store and reload of `out` per key.
    @inline(__always)
    static func attendRow16(
        query q: CP, keys k: CP, values v: CP, stride: Int, count n: Int, scale: Float,
        probabilities row: P, out o: P
    ) {
        let rq = UnsafeRawPointer(q)
        let q0 = rq.loadUnaligned(as: SIMD8<Float>.self)
        let q1 = rq.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        var mx = -Float.infinity
        for j in 0..<n {
            let rk = UnsafeRawPointer(k + j * stride)
            // dot: acc = (0 + q[0..<8]·k[0..<8]) + q[8..<16]·k[8..<16], then its lanes.
            let acc =
                q0 * rk.loadUnaligned(as: SIMD8<Float>.self)
                + q1 * rk.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            let s = laneSum(acc) * scale
            row[j] = s
            mx = s > mx || s.isNaN ? s : mx
        }
        for j in 0..<n { row[j] = fastExp(row[j] - mx) }
        let inv = 1 / sum(row, count: n)
        var o0 = SIMD8<Float>(), o1 = SIMD8<Float>()
        for j in 0..<n {
            let pj = row[j] * inv
            row[j] = pj
            let rv = UnsafeRawPointer(v + j * stride)
            o0 += pj * rv.loadUnaligned(as: SIMD8<Float>.self)
            o1 += pj * rv.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        }
        let ro = UnsafeMutableRawPointer(o)
        ro.storeBytes(of: o0, as: SIMD8<Float>.self)
        ro.storeBytes(of: o1, toByteOffset: 32, as: SIMD8<Float>.self)
    }

    /// One query row i of `attentionBackward` at head size 16: dout_i, q_i and the dq_i
    /// accumulator in registers; the same operations in the same order as the `dot`/`axpy`
    /// loop (so the same values).
    @inline(__always)
    static func attentionBackwardRow16(
        row i: Int, probabilities pr: CP, scratch dr: P, dout doi: CP,
        q: CP, k: CP, v: CP, dq: P, dk: P, dv: P, stride: Int, scale: Float
    ) {
        let rd = UnsafeRawPointer(doi)
        let d0 = rd.loadUnaligned(as: SIMD8<Float>.self)
        let d1 = rd.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        var total: Float = 0
        for j in 0...i {
            let rv = UnsafeRawPointer(v + j * stride)
            let acc =
                d0 * rv.loadUnaligned(as: SIMD8<Float>.self)
                + d1 * rv.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            let dp = laneSum(acc)
            dr[j] = dp
            total += pr[j] * dp
            add16(pr[j], d0, d1, to: dv + j * stride)
        }
        for j in 0...i { dr[j] = pr[j] * (dr[j] - total) * scale }
        let rq = UnsafeRawPointer(q + i * stride), rdq = UnsafeMutableRawPointer(dq + i * stride)
        let q0 = rq.loadUnaligned(as: SIMD8<Float>.self)
        let q1 = rq.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        var g0 = rdq.loadUnaligned(as: SIMD8<Float>.self)
        var g1 = rdq.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        for j in 0...i {
            let rk = UnsafeRawPointer(k + j * stride)
            g0 += dr[j] * rk.loadUnaligned(as: SIMD8<Float>.self)
            g1 += dr[j] * rk.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            add16(dr[j], q0, q1, to: dk + j * stride)
        }
        rdq.storeBytes(of: g0, as: SIMD8<Float>.self)
        rdq.storeBytes(of: g1, toByteOffset: 32, as: SIMD8<Float>.self)
    }

    /// y[0..<16] += alpha·(x0 | x1), as `axpy` does it.
    @inline(__always)
    static func add16(_ alpha: Float, _ x0: SIMD8<Float>, _ x1: SIMD8<Float>, to y: P) {
        let ry = UnsafeMutableRawPointer(y)
        let y0 = ry.loadUnaligned(as: SIMD8<Float>.self)
        let y1 = ry.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        ry.storeBytes(of: y0 + alpha * x0, as: SIMD8<Float>.self)
        ry.storeBytes(of: y1 + alpha * x1, toByteOffset: 32, as: SIMD8<Float>.self)
    }
}
