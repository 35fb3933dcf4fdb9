/// Recording a sampling pass into a training workspace, so the policy's scoring forward on the
/// sampled batch can be skipped: the sampler has already computed every position of it.
extension GPTSampler {
    /// A training workspace seen as a (B, steps) batch: row r, position p is row r·steps + p of
    /// each activation, in the layer slabs `GPT.forwardUnchecked` uses.
    ///
    /// Positions the batch pads (after a row's end marker) hold what the sampler fed there
    /// instead; their logits are masked, so no gradient reaches them or flows from them.
    struct Recording {
        typealias Field = KeyPath<GPTWorkspace, FloatBuffer>
        let ws: GPTWorkspace
        let steps: Int

        /// nil unless `ws` is a training workspace of this config with room for (b, steps).
        init?(_ ws: GPTWorkspace, config: GPTConfig, rows b: Int, steps: Int) {
            guard ws.training, ws.config == config, b <= ws.capacity, steps >= 1,
                steps <= ws.length
            else { return nil }
            self.ws = ws
            self.steps = steps
        }

        /// Start of row (r, pos) of `field`'s layer `l` slab (width floats per row).
        @inline(__always)
        func row(_ field: Field, layer l: Int?, width: Int, row r: Int, position pos: Int)
            -> UnsafeMutablePointer<Float>
        {
            let slab = ws.capacity * ws.length
            return ws[keyPath: field].pointer + ((l ?? 0) * slab + r * steps + pos) * width
        }

        func tokens(_ ids: [Int32], rows b: Int, position pos: Int) {
            for r in 0..<b { ws.tokens[r * steps + pos] = ids[r] }
        }

        /// Copies rows 0..<b of `src` (b, width) to position `pos` of `field`.
        func rows(
            _ src: UnsafePointer<Float>, width: Int, rows b: Int, position pos: Int,
            layer l: Int? = nil, into field: Field
        ) {
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
            let nh = ws.config.heads
            let base = ws.att.pointer + l * ws.capacity * nh * ws.length * ws.length
            let out = base + ((r * nh + h) * steps + pos) * steps
            (out + pos + 1).update(repeating: 0, count: steps - pos - 1)
            return out
        }
    }
}
