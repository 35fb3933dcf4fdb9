import CBLAS

/// Autoregressive sampling with a key/value cache: one token per row per tick, every row at
/// the same position, so the per-tick linear layers are (B, C) sgemm calls and each row's
/// attention reads its cached q|k|v rows in place (hand `dot`/`axpy` loops over head size).
///
/// Buffers are allocated once for `capacity` rows and `length` positions; sampling allocates
/// only the returned completions.
/// - Complexity: per tick O(B·(12·L·C² + L·pos·C + V·C)); memory O(L·B·T·3C) for the cache.
public final class GPTSampler: @unchecked Sendable {
    public let config: GPTConfig
    public let capacity: Int
    public let length: Int
    let cache: FloatBuffer  // (L, B, T, 3C): q|k|v of every fed position
    let x, ln, atty, tmp, mean, rstd, fch, gel, logits, probs, scores: FloatBuffer
    /// wteᵀ (C, V) of the model being sampled, for the logits' sgemm (`prepare(model:)`).
    let embeddingT: FloatBuffer
    var tokens: [Int32]
    /// Where the last tick left its logits: row r at `lastLogits + r · logitsStride` (the
    /// `logits` buffer, or the recording workspace's rows at that position).
    private(set) var lastLogits: UnsafeMutablePointer<Float>
    private(set) var logitsStride: Int

    public init(config: GPTConfig, capacity: Int, length: Int? = nil) {
        self.config = config
        self.capacity = capacity
        self.length = min(length ?? config.context, config.context)
        let c = config.dModel, b = capacity
        cache = FloatBuffer(count: config.layers * b * self.length * 3 * c)
        x = FloatBuffer(count: b * c)
        ln = FloatBuffer(count: b * c)
        atty = FloatBuffer(count: b * c)
        tmp = FloatBuffer(count: b * 3 * c)
        mean = FloatBuffer(count: b)
        rstd = FloatBuffer(count: b)
        fch = FloatBuffer(count: b * 4 * c)
        gel = FloatBuffer(count: b * 4 * c)
        let logits = FloatBuffer(count: b * config.vocabSize)
        self.logits = logits
        lastLogits = logits.pointer
        logitsStride = config.vocabSize
        probs = FloatBuffer(count: config.vocabSize)
        scores = FloatBuffer(count: config.heads * self.length)
        embeddingT = FloatBuffer(count: config.vocabSize * config.dModel)
        tokens = [Int32](repeating: 0, count: b)
    }

    /// Feeds `tokens` (one per row) at `position` and returns the next-token logits (B, V).
    /// Positions must be fed in order 0, 1, 2, … (the cache holds the earlier ones).
    /// - Throws: `ReinforceError` for a token outside the vocabulary or a position past `length`.
    public func step(model: GPT, tokens ids: [Int], position: Int) throws -> [Float] {
        guard ids.count <= capacity else {
            throw ReinforceError.batchTooLarge(batch: ids.count, capacity: capacity)
        }
        guard position < length else {
            throw ReinforceError.sequenceTooLong(index: 0, length: position + 1, context: length)
        }
        for (i, t) in ids.enumerated() {
            guard t >= 0 && t < config.vocabSize else {
                throw ReinforceError.tokenOutOfRange(token: t, vocabSize: config.vocabSize)
            }
            tokens[i] = Int32(t)
        }
        prepare(model: model)
        tick(model: model, batch: ids.count, position: position)
        return Array(
            UnsafeBufferPointer(start: logits.pointer, count: ids.count * config.vocabSize))
    }

    /// Copies the model's wteᵀ into `embeddingT`; before ticks of a model whose parameters
    /// changed since the last call.
    func prepare(model: GPT) {
        let c = config.dModel, v = config.vocabSize
        mt_transpose(embeddingT.pointer, model.parameters.pointer + model.layout.wte, v, c, c)
    }

    /// One decoding tick for rows 0..<b (after `prepare(model:)` for this model's parameters) with ids in `tokens`; logits land in `logits`.
    /// With `record`, every activation the backward needs is also copied into the training
    /// workspace at row (r, pos) of a (B, record.steps) batch (see `Recording`); the MLP's
    /// hidden activations and the logits are computed there in place (sgemm with the
    /// workspace's row stride as ld, the same sums), and `lastLogits` points at them.
    func tick(model: GPT, batch b: Int, position pos: Int, record: Recording? = nil) {
        precondition(model.config == config, "sampler built for another config")
        let c = config.dModel, nh = config.heads, hs = c / nh, v = config.vocabSize
        let c3 = 3 * c, eps = config.layerNormEpsilon, t = length
        let p = model.parameters.pointer, lay = model.layout
        let x = x.pointer, ln = ln.pointer
        for r in 0..<b {
            let we = p + lay.wte + Int(tokens[r]) * c, pe = p + lay.wpe + pos * c
            for i in 0..<c { x[r * c + i] = we[i] + pe[i] }
        }
        record?.tokens(tokens, rows: b, position: pos)
        record?.rows(x, width: c, rows: b, position: pos, into: .encoded)
        let scale = 1 / Float(hs).squareRoot()
        for l in 0..<config.layers {
            let w = lay.blocks[l]
            let layerCache = cache.pointer + l * capacity * t * c3
            Kernels.layerNormForward(
                out: ln, mean: mean.pointer, rstd: rstd.pointer, inp: x,
                weight: p + w.ln1w, bias: p + w.ln1b, n: b, c: c, eps: eps)
            record?.layerNorm(
                ln, mean: mean.pointer, rstd: rstd.pointer, width: c, rows: b, position: pos,
                layer: l, into: (.ln1, .ln1Mean, .ln1Rstd))
            // q|k|v rows (b, 3C), straight into the recording when there is one.
            let qkv = record?.row(.qkv, layer: l, width: c3, row: 0, position: pos) ?? tmp.pointer
            let qkvStride = record.map { $0.steps * c3 } ?? c3
            Kernels.gemm(false, false, b, c3, c, 1, ln, c, p + w.attnW, c3, 0, qkv, qkvStride)
            for r in 0..<b { Kernels.addBias(qkv + r * qkvStride, bias: p + w.attnB, n: 1, oc: c3) }
            for r in 0..<b {
                let rowCache = layerCache + r * t * c3
                (rowCache + pos * c3).update(from: qkv + r * qkvStride, count: c3)
                // scores_j = q·k_j/√hs for the fed positions, softmax, atty = Σ_j p_j v_j;
                // when recording, the probabilities go straight into the workspace. Heads four
                // at a time where the four-head twin applies (the same values per head).
                let grouped = hs == 16 && Kernels.avx2 ? nh / 4 * 4 : 0
                for h in stride(from: 0, to: grouped, by: 4) {
                    func probs(_ g: Int) -> UnsafeMutablePointer<Float> {
                        record?.attentionRow(row: r, head: h + g, position: pos, layer: l)
                            ?? scores.pointer + (h + g) * t
                    }
                    Kernels.attendRow16x4(
                        query: rowCache + pos * c3 + h * hs, keys: rowCache + c + h * hs,
                        values: rowCache + 2 * c + h * hs, stride: c3, count: pos + 1,
                        scale: scale, probabilities: (probs(0), probs(1), probs(2), probs(3)),
                        out: atty.pointer + r * c + h * hs)
                }
                for h in grouped..<nh {
                    let probs =
                        record?.attentionRow(row: r, head: h, position: pos, layer: l)
                        ?? scores.pointer + h * t
                    Kernels.attendRow(
                        query: rowCache + pos * c3 + h * hs, keys: rowCache + c + h * hs,
                        values: rowCache + 2 * c + h * hs, stride: c3, count: pos + 1,
                        headSize: hs, scale: scale, probabilities: probs,
                        out: atty.pointer + r * c + h * hs)
                }
            }
            record?.rows(atty.pointer, width: c, rows: b, position: pos, layer: l, into: .atty)
            Kernels.linear(
                out: tmp.pointer, inp: atty.pointer, weight: p + w.projW, n: b, c: c, oc: c)
            Kernels.biasResidual(x, y: tmp.pointer, bias: p + w.projB, n: b, oc: c)
            record?.rows(x, width: c, rows: b, position: pos, layer: l, into: .residual2)
            Kernels.layerNormForward(
                out: ln, mean: mean.pointer, rstd: rstd.pointer, inp: x,
                weight: p + w.ln2w, bias: p + w.ln2b, n: b, c: c, eps: eps)
            record?.layerNorm(
                ln, mean: mean.pointer, rstd: rstd.pointer, width: c, rows: b, position: pos,
                layer: l, into: (.ln2, .ln2Mean, .ln2Rstd))
            let hidden: UnsafeMutablePointer<Float>  // GELU output rows, `hiddenStride` apart
            let hiddenStride: Int
            if let record {
                // pre-activation, GELU and σ rows written in place in the workspace.
                hiddenStride = record.steps * 4 * c
                let pre = record.row(.fch, layer: l, width: 4 * c, row: 0, position: pos)
                let sg = record.row(.fchSigmoid, layer: l, width: 4 * c, row: 0, position: pos)
                hidden = record.row(.fchGelu, layer: l, width: 4 * c, row: 0, position: pos)
                Kernels.gemm(
                    false, false, b, 4 * c, c, 1, ln, c, p + w.fcW, 4 * c, 0, pre, hiddenStride)
                for r in 0..<b {
                    let o = r * hiddenStride
                    Kernels.biasGelu(
                        out: hidden + o, sigmoid: sg + o, pre: pre + o, bias: p + w.fcB,
                        n: 1, oc: 4 * c)
                }
            } else {
                hidden = gel.pointer
                hiddenStride = 4 * c
                Kernels.linear(out: fch.pointer, inp: ln, weight: p + w.fcW, n: b, c: c, oc: 4 * c)
                Kernels.biasGelu(
                    out: gel.pointer, pre: fch.pointer, bias: p + w.fcB, n: b, oc: 4 * c)
            }
            Kernels.gemm(
                false, false, b, c, 4 * c, 1, hidden, hiddenStride, p + w.fcProjW, c, 0,
                tmp.pointer, c)
            Kernels.biasResidual(x, y: tmp.pointer, bias: p + w.fcProjB, n: b, oc: c)
            record?.rows(x, width: c, rows: b, position: pos, layer: l, into: .residual3)
        }
        Kernels.layerNormForward(
            out: ln, mean: mean.pointer, rstd: rstd.pointer, inp: x,
            weight: p + lay.lnfw, bias: p + lay.lnfb, n: b, c: c, eps: eps)
        record?.layerNorm(
            ln, mean: mean.pointer, rstd: rstd.pointer, width: c, rows: b, position: pos,
            into: (.lnf, .lnfMean, .lnfRstd))
        lastLogits =
            record?.row(.logits, layer: nil, width: v, row: 0, position: pos) ?? logits.pointer
        logitsStride = record.map { $0.steps * v } ?? v
        Kernels.gemm(
            false, true, b, v, c, 1, ln, c, p + lay.wte, c, 0, lastLogits, logitsStride,
            transposedB: embeddingT.pointer)
    }
}
