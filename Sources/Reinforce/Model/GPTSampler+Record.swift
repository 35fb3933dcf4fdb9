/// Recording a sampling pass into a training workspace, so the policy's scoring forward on the
/// sampled batch can be skipped: the sampler has already computed every position of it.
extension GPTSampler {
    /// A training workspace seen as a (B, steps) batch: row r, position p is row r·steps + p of
    /// each activation, in the layer slabs `GPT.forwardUnchecked` uses.
    ///
    /// Positions the batch pads (after a row's end marker) hold what the sampler fed there
    /// instead; their logits are masked, so no gradient reaches them or flows from them.
    struct Recording {
        /// The workspace buffers a tick writes (names as in `GPTWorkspace`).
        enum Field {
            case encoded, ln1, ln1Mean, ln1Rstd, qkv, atty, residual2, ln2, ln2Mean, ln2Rstd
            case fch, fchGelu, fchSigmoid, residual3, lnf, lnfMean, lnfRstd, logits
        }

        let ws: GPTWorkspace
        let steps: Int
        /// Rows per layer slab, as in the forward: capacity · length.
        let slab: Int
        // Base pointers, read once here (no class or key-path access per copy).
        let encoded, ln1, ln1Mean, ln1Rstd, qkv, atty, residual2: UnsafeMutablePointer<Float>
        let ln2, ln2Mean, ln2Rstd, fch, fchGelu, fchSigmoid, residual3: UnsafeMutablePointer<Float>
        let lnf, lnfMean, lnfRstd, logits, att: UnsafeMutablePointer<Float>
        /// Heads, and floats per layer of `att` (capacity · heads · length²).
        let heads, attentionSlab: Int

        /// nil unless `ws` is a training workspace of this config with room for (b, steps).
        init?(_ ws: GPTWorkspace, config: GPTConfig, rows b: Int, steps: Int) {
            guard ws.training, ws.config == config, b <= ws.capacity, steps >= 1,
                steps <= ws.length
            else { return nil }
            self.ws = ws
            self.steps = steps
            slab = ws.capacity * ws.length
            encoded = ws.encoded.pointer
            ln1 = ws.ln1.pointer
            ln1Mean = ws.ln1Mean.pointer
            ln1Rstd = ws.ln1Rstd.pointer
            qkv = ws.qkv.pointer
            atty = ws.atty.pointer
            residual2 = ws.residual2.pointer
            ln2 = ws.ln2.pointer
            ln2Mean = ws.ln2Mean.pointer
            ln2Rstd = ws.ln2Rstd.pointer
            fch = ws.fch.pointer
            fchGelu = ws.fchGelu.pointer
            fchSigmoid = ws.fchSigmoid.pointer
            residual3 = ws.residual3.pointer
            lnf = ws.lnf.pointer
            lnfMean = ws.lnfMean.pointer
            lnfRstd = ws.lnfRstd.pointer
            logits = ws.logits.pointer
            att = ws.att.pointer
            heads = config.heads
            attentionSlab = ws.capacity * config.heads * ws.length * ws.length
        }

        @inline(__always)
        func base(_ field: Field) -> UnsafeMutablePointer<Float> {
            switch field {
            case .encoded: encoded
            case .ln1: ln1
            case .ln1Mean: ln1Mean
            case .ln1Rstd: ln1Rstd
            case .qkv: qkv
            case .atty: atty
            case .residual2: residual2
            case .ln2: ln2
            case .ln2Mean: ln2Mean
            case .ln2Rstd: ln2Rstd
            case .fch: fch
            case .fchGelu: fchGelu
            case .fchSigmoid: fchSigmoid
            case .residual3: residual3
            case .lnf: lnf
            case .lnfMean: lnfMean
            case .lnfRstd: lnfRstd
            case .logits: logits
            }
        }

        /// Start of row (r, pos) of `field`'s layer `l` slab (width floats per row).
        @inline(__always)
        func row(_ field: Field, layer l: Int?, width: Int, row r: Int, position pos: Int)
            -> UnsafeMutablePointer<Float>
        {
            base(field) + ((l ?? 0) * slab + r * steps + pos) * width
        }

        func tokens(_ ids: [Int32], rows b: Int, position pos: Int) {
            for r in 0..<b { ws.tokens[r * steps + pos] = ids[r] }
        }

        /// Copies rows 0..<b of `src` (b, width) to position `pos` of `field`.
        func rows(
            _ src: UnsafePointer<Float>, width: Int, rows b: Int, position pos: Int,
            layer l: Int? = nil, into field: Field
        ) {
            if width == 1 {  // μ and rstd: one float per row, no copy call
                let dst = row(field, layer: l, width: 1, row: 0, position: pos)
                for r in 0..<b { dst[r * steps] = src[r] }
                return
            }
            for r in 0..<b {
                row(field, layer: l, width: width, row: r, position: pos)
                    .update(from: src + r * width, count: width)
            }
        }

        /// A LayerNorm's output rows and its per-row μ and rstd.
        func layerNorm(
            _ out: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
            width: Int, rows b: Int, position pos: Int, layer l: Int? = nil,
            into fields: (out: Field, mean: Field, rstd: Field)
        ) {
            rows(out, width: width, rows: b, position: pos, layer: l, into: fields.out)
            rows(mean, width: 1, rows: b, position: pos, layer: l, into: fields.mean)
            rows(rstd, width: 1, rows: b, position: pos, layer: l, into: fields.rstd)
        }

        /// Row `pos` of the (steps, steps) attention matrix of (r, head h), zero past `pos`;
        /// the caller writes the probabilities of positions 0...pos into it.
        func attentionRow(row r: Int, head h: Int, position pos: Int, layer l: Int)
            -> UnsafeMutablePointer<Float>
        {
            let out = att + l * attentionSlab + ((r * heads + h) * steps + pos) * steps
            (out + pos + 1).update(repeating: 0, count: steps - pos - 1)
            return out
        }
    }
}
