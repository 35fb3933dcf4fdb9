/// The forward pass over a (B, T) batch of token ids into a workspace.
extension GPT {
    /// Runs the model on `tokens` (B·T ids, row-major) and leaves every activation and the
    /// logits (B, T, V) in `workspace`.
    ///
    /// - Throws: `ReinforceError.batchTooLarge` / `.sequenceTooLong` when (B, T) exceeds the
    ///   workspace, `.tokenOutOfRange` for an id outside the vocabulary.
    /// - Complexity: O(B·T·(L·(12C² + T·C) + V·C)) time, in 4·L + 1 + 2·L·B·NH sgemm calls;
    ///   no allocation.
    public func forward(
        tokens: [Int], batch b: Int, steps t: Int,
        workspace ws: GPTWorkspace
    ) throws {
        try load(tokens: tokens, batch: b, steps: t, workspace: ws)
        forwardUnchecked(batch: b, steps: t, workspace: ws)
    }

    /// Checks a (B, T) batch of ids against the workspace and the vocabulary and copies them
    /// into `ws.tokens`. - Throws: as `forward`.
    func load(tokens: [Int], batch b: Int, steps t: Int, workspace ws: GPTWorkspace) throws {
        guard b <= ws.capacity else {
            throw ReinforceError.batchTooLarge(batch: b, capacity: ws.capacity)
        }
        guard t <= ws.length else {
            throw ReinforceError.sequenceTooLong(index: 0, length: t, context: ws.length)
        }
        precondition(tokens.count == b * t && ws.config == config, "batch shape mismatch")
        let v = config.vocabSize
        for (i, tok) in tokens.enumerated() {
            guard tok >= 0 && tok < v else {
                throw ReinforceError.tokenOutOfRange(token: tok, vocabSize: v)
            }
            ws.tokens[i] = Int32(tok)
        }
    }

    /// The forward on ids already in `ws.tokens`.
    ///
    /// With `onlyRows` (ascending row indices r = b·T + t, inference workspaces only), the last
    /// block after its attention, ln_f and the logits run on those rows alone: row k of the
    /// logits is row `onlyRows[k]`, and the workspace holds no (B, T) forward afterwards
    /// (`batch` and `steps` are 0). For log-probabilities of the counted positions only.
    func forwardUnchecked(
        batch b: Int, steps t: Int, workspace ws: GPTWorkspace, onlyRows: [Int]? = nil
    ) {
        precondition(onlyRows == nil || !ws.training, "row selection in a training forward")
        ws.batch = b
        ws.steps = t
        let c = config.dModel, nh = config.heads, v = config.vocabSize
        let n = b * t, slab = ws.capacity * ws.length
        let eps = config.layerNormEpsilon
        let p = parameters.pointer
        let wte = p + layout.wte, wpe = p + layout.wpe
        let enc = ws.encoded.pointer
        for r in 0..<n {
            let tok = Int(ws.tokens[r]), pos = r % t
            let o = enc + r * c, we = wte + tok * c, pe = wpe + pos * c
            for i in 0..<c { o[i] = we[i] + pe[i] }
        }
        var rows = n  // rows still computed (all but in the tail of an `onlyRows` forward)
        for l in 0..<config.layers {
            let w = layout.blocks[l]
            let residual = l == 0 ? enc : ws.residual3.pointer + (l - 1) * slab * c
            let ln1 = ws.ln1.pointer + l * slab * c
            let qkv = ws.qkv.pointer + l * slab * 3 * c
            let atty = ws.atty.pointer + l * slab * c
            let att = ws.att.pointer + l * ws.capacity * nh * ws.length * ws.length
            let attproj = ws.attproj.pointer + l * slab * c
            let res2 = ws.residual2.pointer + l * slab * c
            let ln2 = ws.ln2.pointer + l * slab * c
            let fch = ws.fch.pointer + l * slab * 4 * c
            let gel = ws.fchGelu.pointer + l * slab * 4 * c
            let fcproj = ws.fcproj.pointer + l * slab * c
            let res3 = ws.residual3.pointer + l * slab * c
            Kernels.layerNormForward(
                out: ln1, mean: ws.ln1Mean.pointer + l * slab, rstd: ws.ln1Rstd.pointer + l * slab,
                inp: residual, weight: p + w.ln1w, bias: p + w.ln1b, n: n, c: c, eps: eps)
            Kernels.linear(out: qkv, inp: ln1, weight: p + w.attnW, n: n, c: c, oc: 3 * c)
            Kernels.addBias(qkv, bias: p + w.attnB, n: n, oc: 3 * c)
            Kernels.attentionForward(out: atty, att: att, qkv: qkv, b: b, t: t, c: c, nh: nh)
            if let keep = onlyRows, l == config.layers - 1 {
                // Only `keep` rows matter from here on: move them to the front (k ≤ r, so no
                // row is overwritten before it is moved).
                for (k, r) in keep.enumerated() where k != r {
                    (atty + k * c).update(from: atty + r * c, count: c)
                    (residual + k * c).update(from: residual + r * c, count: c)
                }
                rows = keep.count
            }
            Kernels.linear(out: attproj, inp: atty, weight: p + w.projW, n: rows, c: c, oc: c)
            Kernels.biasResidual(
                out: res2, a: residual, y: attproj, bias: p + w.projB, n: rows, oc: c)
            Kernels.layerNormForward(
                out: ln2, mean: ws.ln2Mean.pointer + l * slab, rstd: ws.ln2Rstd.pointer + l * slab,
                inp: res2, weight: p + w.ln2w, bias: p + w.ln2b, n: rows, c: c, eps: eps)
            Kernels.linear(out: fch, inp: ln2, weight: p + w.fcW, n: rows, c: c, oc: 4 * c)
            if ws.training {
                Kernels.biasGelu(
                    out: gel, sigmoid: ws.fchSigmoid.pointer + l * slab * 4 * c, pre: fch,
                    bias: p + w.fcB, n: rows, oc: 4 * c)
            } else {
                Kernels.biasGelu(out: gel, pre: fch, bias: p + w.fcB, n: rows, oc: 4 * c)
            }
            Kernels.linear(
                out: fcproj, inp: gel, weight: p + w.fcProjW, n: rows, c: 4 * c, oc: c)
            Kernels.biasResidual(
                out: res3, a: res2, y: fcproj, bias: p + w.fcProjB, n: rows, oc: c)
        }
        let last = ws.residual3.pointer + (config.layers - 1) * slab * c
        Kernels.layerNormForward(
            out: ws.lnf.pointer, mean: ws.lnfMean.pointer, rstd: ws.lnfRstd.pointer, inp: last,
            weight: p + layout.lnfw, bias: p + layout.lnfb, n: rows, c: c, eps: eps)
        Kernels.gemm(
            false, true, rows, v, c, 1, ws.lnf.pointer, c, wte, c, 0, ws.logits.pointer, v)
        if onlyRows != nil {
            ws.batch = 0
            ws.steps = 0
        }
    }
}
