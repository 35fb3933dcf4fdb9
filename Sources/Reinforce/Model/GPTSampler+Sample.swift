/// Sampling completions for a batch of prompts.
extension GPTSampler {
    /// Samples `newTokens` tokens after each prompt from softmax(logits/τ).
    ///
    /// Row b feeds its prompt one token per tick, then its own samples; all rows start at
    /// position 0, so prompts of different lengths need no padding. With `stopAtEnd`, a row
    /// that samples `<bos>` (the end marker, id 0) stops: its completion ends with that token.
    /// One uniform is drawn per sampled token, rows in order, so the same generator state
    /// gives the same completions bit for bit. τ = 0 means greedy (argmax, lowest id on ties).
    ///
    /// With `recordInto` (a training workspace of this config), the activations of every fed
    /// position are also copied into it as a (B, longest + newTokens − 1) batch; when sampling
    /// runs to the last tick that is the forward of `TokenBatch(prompt + completion)` and
    /// `GPT.scoreRecorded` can score the batch without a forward. Otherwise the workspace is
    /// left holding no batch.
    /// - Returns: one completion per prompt (at most `newTokens` ids).
    /// - Throws: `ReinforceError.sequenceTooLong` if prompt + completion exceeds the sampler length,
    ///   `.emptySequence` for an empty prompt, `.tokenOutOfRange`, `.batchTooLarge`,
    ///   `.invalidOption` for a negative or non-finite temperature.
    /// - Complexity: (max prompt + newTokens − 1) ticks of `step`.
    public func sample(
        model: GPT, prompts: [[Int]], newTokens: Int, temperature: Float,
        stopAtEnd: Bool = true,
        generator: inout SeededGenerator,
        recordInto workspace: GPTWorkspace? = nil
    ) throws -> [[Int]] {
        let b = prompts.count, v = config.vocabSize
        guard b <= capacity else {
            throw ReinforceError.batchTooLarge(batch: b, capacity: capacity)
        }
        guard temperature >= 0 && temperature.isFinite else {
            throw ReinforceError.invalidOption(name: "temperature", reason: "\(temperature)")
        }
        var longest = 0
        for (i, prompt) in prompts.enumerated() {
            guard !prompt.isEmpty else { throw ReinforceError.emptySequence(index: i) }
            guard prompt.count + newTokens - 1 <= length else {
                throw ReinforceError.sequenceTooLong(
                    index: i, length: prompt.count + newTokens,
                    context: length + 1)
            }
            for t in prompt where t < 0 || t >= v {
                throw ReinforceError.tokenOutOfRange(token: t, vocabSize: v)
            }
            longest = max(longest, prompt.count)
        }
        var completions = [[Int]](repeating: [], count: b)
        for i in 0..<b { completions[i].reserveCapacity(newTokens) }
        var done = [Bool](repeating: newTokens == 0, count: b)
        let ticks = newTokens == 0 ? 0 : longest + newTokens - 1
        let invT = temperature > 0 ? 1 / temperature : 0
        let record = workspace.flatMap {
            Recording($0, config: config, rows: b, steps: ticks)
        }
        if let workspace {
            workspace.batch = 0
            workspace.steps = 0  // holds no batch unless the recording completes
        }
        var fed = 0
        if ticks > 0 { prepare(model: model) }
        for pos in 0..<ticks {
            for r in 0..<b {
                let prompt = prompts[r]
                tokens[r] = Int32(pos < prompt.count ? prompt[pos] : completions[r].last ?? 0)
            }
            tick(model: model, batch: b, position: pos, record: record)
            fed = pos + 1
            for r in 0..<b where !done[r] && pos >= prompts[r].count - 1 {
                let row = lastLogits + r * logitsStride
                let token: Int
                if temperature == 0 {
                    var best = 0
                    for i in 1..<v where row[i] > row[best] { best = i }
                    token = best
                } else {
                    Kernels.softmax(out: probs.pointer, logits: row, n: v, invTemperature: invT)
                    let u = Float(generator.nextUnit())
                    var acc: Float = 0
                    var pick = -1, lastPositive = 0
                    for i in 0..<v where probs.pointer[i] > 0 {
                        acc += probs.pointer[i]
                        lastPositive = i
                        if u < acc { pick = i; break }
                    }
                    token = pick >= 0 ? pick : lastPositive  // u beyond a rounded total
                }
                completions[r].append(token)
                if completions[r].count == newTokens || (stopAtEnd && token == Vocabulary.bos) {
                    done[r] = true
                }
            }
            if !done.contains(false) { break }
        }
        // The recorded layout is (B, ticks); the batch of these completions is (B, fed) and
        // matches it only when sampling ran to the last tick.
        if let record, fed == ticks {
            record.ws.batch = b
            record.ws.steps = ticks
        }
        return completions
    }
}
