/// The backward pass: from dlogits (B, T, V) in `ws.dlogits` to the parameter gradient.
extension GPT {
    /// Adds ∂L/∂θ into `ws.gradients`, given ∂L/∂logits for the last forward in `ws.dlogits`.
    /// Callers zero `ws.gradients` once per step (several backwards may accumulate).
    /// - Complexity: about twice the forward; no allocation.
    func backward(workspace ws: GPTWorkspace) {
        precondition(ws.training, "backward needs a training workspace")
        let b = ws.batch, t = ws.steps
        let c = config.dModel, nh = config.heads, v = config.vocabSize
        let n = b * t, slab = ws.capacity * ws.length
        let p = parameters.pointer, g = ws.gradients.pointer
        let dres = ws.dresidual.pointer, dln = ws.dln.pointer
        // logits = lnf · wteᵀ
        Kernels.gemm(
            false, false, n, c, v, 1, ws.dlogits.pointer, v, p + layout.wte, c, 0,
            ws.dlnf.pointer, c)
        Kernels.gemm(
            true, false, v, c, n, 1, ws.dlogits.pointer, v, ws.lnf.pointer, c, 1,
            g + layout.wte, c)
        dres.update(repeating: 0, count: n * c)
        let last = ws.residual3.pointer + (config.layers - 1) * slab * c
        Kernels.layerNormBackward(
            dinp: dres, dweight: g + layout.lnfw, dbias: g + layout.lnfb, dout: ws.dlnf.pointer,
            inp: last, weight: p + layout.lnfw, mean: ws.lnfMean.pointer,
            rstd: ws.lnfRstd.pointer, n: n, c: c)
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let w = layout.blocks[l]
            let residual = l == 0 ? ws.encoded.pointer : ws.residual3.pointer + (l - 1) * slab * c
            let ln1 = ws.ln1.pointer + l * slab * c
            let qkv = ws.qkv.pointer + l * slab * 3 * c
            let atty = ws.atty.pointer + l * slab * c
            let att = ws.att.pointer + l * ws.capacity * nh * ws.length * ws.length
            let res2 = ws.residual2.pointer + l * slab * c
            let ln2 = ws.ln2.pointer + l * slab * c
            let fch = ws.fch.pointer + l * slab * 4 * c
            let gel = ws.fchGelu.pointer + l * slab * 4 * c
            // res3 = res2 + mlp(ln2(res2)); dres holds d res3.
            Kernels.linearBackward(
                dinp: ws.dfchGelu.pointer, dweight: g + w.fcProjW, dbias: g + w.fcProjB,
                dout: dres, inp: gel, weight: p + w.fcProjW, n: n, c: 4 * c, oc: c, overwrite: true)
            Kernels.geluBackward(
                dinp: ws.dfch.pointer, inp: fch, sigmoid: ws.fchSigmoid.pointer + l * slab * 4 * c,
                dout: ws.dfchGelu.pointer, count: n * 4 * c)
            Kernels.linearBackward(
                dinp: dln, dweight: g + w.fcW, dbias: g + w.fcB, dout: ws.dfch.pointer,
                inp: ln2, weight: p + w.fcW, n: n, c: c, oc: 4 * c, overwrite: true)
            Kernels.layerNormBackward(
                dinp: dres, dweight: g + w.ln2w, dbias: g + w.ln2b, dout: dln, inp: res2,
                weight: p + w.ln2w, mean: ws.ln2Mean.pointer + l * slab,
                rstd: ws.ln2Rstd.pointer + l * slab, n: n, c: c)
            // res2 = residual + c_proj(attn(ln1(residual))); dres holds d res2.
            Kernels.linearBackward(
                dinp: ws.datty.pointer, dweight: g + w.projW, dbias: g + w.projB, dout: dres,
                inp: atty, weight: p + w.projW, n: n, c: c, oc: c, overwrite: true)
            ws.dqkv.pointer.update(repeating: 0, count: n * 3 * c)
            Kernels.attentionBackward(
                dqkv: ws.dqkv.pointer, dout: ws.datty.pointer, qkv: qkv, att: att,
                scratch: ws.dscratch.pointer, b: b, t: t, c: c, nh: nh)
            Kernels.linearBackward(
                dinp: dln, dweight: g + w.attnW, dbias: g + w.attnB, dout: ws.dqkv.pointer,
                inp: ln1, weight: p + w.attnW, n: n, c: c, oc: 3 * c, overwrite: true)
            Kernels.layerNormBackward(
                dinp: dres, dweight: g + w.ln1w, dbias: g + w.ln1b, dout: dln, inp: residual,
                weight: p + w.ln1w, mean: ws.ln1Mean.pointer + l * slab,
                rstd: ws.ln1Rstd.pointer + l * slab, n: n, c: c)
        }
        let dwte = g + layout.wte, dwpe = g + layout.wpe
        for r in 0..<n {
            let tok = Int(ws.tokens[r]), pos = r % t
            let d = dres + r * c, a = dwte + tok * c, e = dwpe + pos * c
            for i in 0..<c {
                a[i] += d[i]
                e[i] += d[i]
            }
        }
    }
}
