import ArgumentParser
import Merging
import Reinforce

/// The run knobs `warp run` and `warp study` share: one validation and one mapping onto
/// `WarpSettings`, so the two commands cannot drift apart. Each command declares the options
/// (ArgumentParser needs them as its own properties) and adds what is its own (run directory,
/// seed, executor; study directory, seeds).
protocol WarpRunKnobs {
    var iterations: Int { get }
    var runs: Int { get }
    var steps: Int { get }
    var eta: Double { get }
    var front: DoubleList? { get }
    var granularity: Granularity { get }
    var beta: Float { get }
    var mu: Float { get }
    var lr: Float { get }
    var batch: Int { get }
    var newTokens: Int { get }
    var temperature: Float { get }
    var lengthPenalty: Double? { get }
    var fixedLength: Bool { get }
    var baseline: WarpCommand.BaselineBetas { get }
    var baselineSteps: Int? { get }
    var sftSteps: Int { get }
    var evalEvery: Int { get }
    var evalPrompts: Int { get }
    var parallel: Int { get }
}

extension WarpRunKnobs {
    /// Checks the shared knobs (one `ValidationError` line each).
    func validateRunKnobs() throws {
        if iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if runs < 2 { throw ValidationError("--runs must be at least 2 (SLERP merges M ≥ 2 runs)") }
        if steps < 1 || sftSteps < 1 {
            throw ValidationError("--steps and --sft-steps must be ≥ 1")
        }
        try NumericOption.check(eta, "--eta", atLeast: 0)
        if baseline.values.contains(where: { $0 < 0 }) {
            throw ValidationError("--baseline β values must be ≥ 0")
        }
        try NumericOption.check(beta, "--beta", atLeast: 0)
        try NumericOption.check(mu, "--mu", in: 0...1)
        try NumericOption.check(lr, "--lr", positive: true)
        try NumericOption.check(temperature, "--temperature", positive: true)
        if let alpha = lengthPenalty { try NumericOption.check(alpha, "--length-penalty") }
        if batch < 1 || evalEvery < 1 || evalPrompts < 1 || parallel < 1 || newTokens < 1 {
            throw ValidationError(
                "--batch, --new-tokens, --eval-every, --eval-prompts, --parallel must be ≥ 1")
        }
    }

    /// The loop's settings from the shared knobs (reward, seed and parallelism are the
    /// command's).
    func runSettings() -> WarpSettings {
        var s = WarpSettings()
        s.iterations = iterations
        s.runs = runs
        s.steps = steps
        s.eta = eta
        s.front = front?.values ?? s.front
        s.granularity = granularity
        s.reinforce.beta = beta
        s.reinforce.batchSize = batch
        s.reinforce.newTokens = newTokens
        s.reinforce.temperature = temperature
        s.reinforce.optimizer.learningRate = lr
        s.lengthPenalty = lengthPenalty
        s.fixedLength = fixedLength
        s.mu = mu
        s.baselines = baseline.values.map(Float.init)
        s.baselineSteps = baselineSteps
        s.sft.steps = sftSteps
        s.evalEvery = evalEvery
        s.evaluation.promptCount = evalPrompts
        return s
    }
}
