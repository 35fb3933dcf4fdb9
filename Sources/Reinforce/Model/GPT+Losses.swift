/// Losses and scores on a `TokenBatch`: the SFT cross-entropy, per-token log-probabilities,
/// the REINFORCE surrogate's backward, and the exact per-position KL between two models.
extension GPT {
    /// Mean masked next-token cross-entropy, L = −(1/M) Σ_{b,t} m_bt log π(y_bt | y_<bt).
    /// When `gradient` is true, adds ∂L/∂θ into `ws.gradients` (dlogits = (π − 1_y)·m/M).
    /// - Throws: as `forward`.
    /// - Complexity: one forward (+ one backward); O(B·T·V) for the softmax.
    public func crossEntropy(
        _ batch: TokenBatch, workspace ws: GPTWorkspace,
        gradient: Bool
    ) throws -> Float {
        try forward(tokens: batch.inputs, batch: batch.batch, steps: batch.steps, workspace: ws)
        let v = config.vocabSize, n = batch.batch * batch.steps
        let count = Float(max(batch.maskedCount, 1))
        var loss: Double = 0
        if gradient { ws.dlogits.pointer.update(repeating: 0, count: n * v) }
        for r in 0..<n where batch.mask[r] > 0 {
            let probs = ws.probs.pointer + r * v
            let lse = Kernels.softmax(out: probs, logits: ws.logits.pointer + r * v, n: v)
            let y = batch.targets[r]
            loss -= Double(ws.logits.pointer[r * v + y] - lse) * Double(batch.mask[r])
            if gradient {
                let d = ws.dlogits.pointer + r * v, scale = batch.mask[r] / count
                for i in 0..<v { d[i] = probs[i] * scale }
                d[y] -= scale
            }
        }
        if gradient { backward(workspace: ws) }
        return Float(loss / Double(count))
    }

    /// Runs the forward and returns log π(y_bt | y_<bt) and the entropy −Σ π log π of each
    /// counted position. Leaves π in the workspace for `backwardWeightedLogProb`.
    /// - Throws: as `forward`.
    public func score(_ batch: TokenBatch, workspace ws: GPTWorkspace) throws -> TokenScores {
        try forward(tokens: batch.inputs, batch: batch.batch, steps: batch.steps, workspace: ws)
        return scores(batch, workspace: ws)
    }

    /// `score` for a batch whose forward a `GPTSampler.sample(…, recordInto: ws)` of this model
    /// left in `ws`: the same kind of result without running the forward again; nil when `ws`
    /// does not hold a (B, T) forward of this batch's shape (sampling stopped early).
    /// Sets the workspace's ids to the batch's (they differ only at padded positions).
    func scoreRecorded(_ batch: TokenBatch, workspace ws: GPTWorkspace) -> TokenScores? {
        guard ws.batch == batch.batch && ws.steps == batch.steps && ws.config == config else {
            return nil
        }
        for (i, tok) in batch.inputs.enumerated() { ws.tokens[i] = Int32(tok) }
        return scores(batch, workspace: ws)
    }

    /// log π(target) and the entropy at every counted position, from the logits in `ws`.
    private func scores(_ batch: TokenBatch, workspace ws: GPTWorkspace) -> TokenScores {
        let v = config.vocabSize, n = batch.batch * batch.steps
        var logProbs = [Float](repeating: 0, count: n)
        var entropies = [Float](repeating: 0, count: n)
        for r in 0..<n where batch.mask[r] > 0 {
            let probs = ws.probs.pointer + r * v, logits = ws.logits.pointer + r * v
            let lse = Kernels.softmax(out: probs, logits: logits, n: v)
            logProbs[r] = logits[batch.targets[r]] - lse
            entropies[r] = Kernels.entropy(
                probs: probs, logits: logits, logPartition: lse, count: v)
        }
        return TokenScores(
            batch: batch.batch, steps: batch.steps, logProbs: logProbs,
            entropies: entropies)
    }

    /// Σ_t log π(y_bt | y_<bt) per row: `score(batch, workspace:).sequenceLogProbs` without the
    /// entropies or π, for the anchor and reference models. In an inference workspace the tail
    /// of the forward runs on the counted positions only (results equal a full forward's up to
    /// rounding, and the workspace holds no (B, T) forward afterwards); in a training workspace
    /// it is the full forward (bit for bit `score`'s), with π left unnormalised, so no
    /// `backwardWeightedLogProb` after this.
    /// - Throws: as `forward`.
    /// - Complexity: one forward; O(B·T·V) for the log-partitions.
    func sequenceLogProbs(_ batch: TokenBatch, workspace ws: GPTWorkspace) throws -> [Double] {
        let v = config.vocabSize, n = batch.batch * batch.steps
        let counted = (0..<n).filter { batch.mask[$0] > 0 }
        try load(tokens: batch.inputs, batch: batch.batch, steps: batch.steps, workspace: ws)
        // In an inference workspace the last block's MLP, ln_f and the logits run on the
        // counted rows only (logits row k is row counted[k]).
        let compact = !ws.training
        forwardUnchecked(
            batch: batch.batch, steps: batch.steps, workspace: ws,
            onlyRows: compact ? counted : nil)
        var logProbs = [Float](repeating: 0, count: n)
        for (k, r) in counted.enumerated() {
            let row = compact ? k : r
            let logits = ws.logits.pointer + row * v
            let lse = Kernels.logSumExp(logits, scratch: ws.probs.pointer + row * v, count: v)
            logProbs[r] = logits[batch.targets[r]] - lse
        }
        return TokenScores(
            batch: batch.batch, steps: batch.steps, logProbs: logProbs,
            entropies: []
        ).sequenceLogProbs
    }

    /// Adds into `ws.gradients` the gradient of the REINFORCE surrogate
    ///
    ///     L(θ) = Σ_b w_b Σ_t m_bt log π_θ(y_bt | y_<bt)
    ///
    /// for the batch of the last `score(_:workspace:)` call (its π is still in `ws`).
    /// With w_b = −A_b / B this is the policy-gradient loss of WARP eq. (1)/(2).
    /// - Complexity: O(B·T·V) + one backward.
    public func backwardWeightedLogProb(
        weights: [Float], batch: TokenBatch,
        workspace ws: GPTWorkspace
    ) {
        precondition(weights.count == batch.batch, "one weight per row")
        precondition(ws.batch == batch.batch && ws.steps == batch.steps, "score first")
        let v = config.vocabSize, t = batch.steps, n = batch.batch * t
        for r in 0..<n {
            let d = ws.dlogits.pointer + r * v
            guard batch.mask[r] > 0 else {  // only the rows not written below are zeroed
                d.update(repeating: 0, count: v)
                continue
            }
            // ∂ log π_y / ∂z_i = 1[i = y] − π_i
            let w = weights[r / t] * batch.mask[r]
            let probs = ws.probs.pointer + r * v
            for i in 0..<v { d[i] = -w * probs[i] }
            d[batch.targets[r]] += w
        }
        backward(workspace: ws)
    }

    /// Exact KL(π‖π_ref) = Σ_i π_i (log π_i − log π_ref,i) at every counted position, from the
    /// logits of the last forward of the same batch in two workspaces. (B, T), 0 elsewhere.
    /// - Complexity: O(B·T·V); allocates the result only.
    public static func klDivergence(
        policy: GPTWorkspace, reference: GPTWorkspace,
        batch: TokenBatch
    ) -> [Float] {
        let v = policy.config.vocabSize, n = batch.batch * batch.steps
        precondition(reference.config.vocabSize == v, "vocabularies differ")
        precondition(
            policy.batch == batch.batch && policy.steps == batch.steps
                && reference.batch == batch.batch && reference.steps == batch.steps,
            "run both forwards on this batch first")
        var out = [Float](repeating: 0, count: n)
        for r in 0..<n where batch.mask[r] > 0 {
            let zp = policy.logits.pointer + r * v, zq = reference.logits.pointer + r * v
            let pp = policy.probs.pointer + r * v, pq = reference.probs.pointer + r * v
            let lp = Kernels.softmax(out: pp, logits: zp, n: v)
            let lq = Kernels.softmax(out: pq, logits: zq, n: v)
            var kl: Double = 0
            for i in 0..<v where pp[i] > 0 {
                kl += Double(pp[i]) * Double((zp[i] - lp) - (zq[i] - lq))
            }
            out[r] = Float(max(kl, 0))
        }
        return out
    }
}
