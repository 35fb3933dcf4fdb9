import ArgumentParser
import Merging
import Reinforce

/// The run knobs `warp run` and `warp study` share, declared once (`@OptionGroup`), with one
/// validation and one mapping onto `WarpSettings`, so the two commands cannot drift apart.
/// Each command adds what is its own (run directory, seed, executor, baselines' default;
/// study directory, seeds, the β schedule).
struct WarpRunOptions: ParsableArguments {
    @Option(help: "Iterations I.") var iterations = WarpSettings().iterations
    @Option(help: "RL runs per iteration M (≥ 2).") var runs = WarpSettings().runs
    @Option(help: "REINFORCE steps per run T.") var steps = WarpSettings().steps
    @Option(help: "LITI η: the next init is (1−η)·init + η·slerp.") var eta = WarpSettings().eta
    @Option(
        help: ArgumentHelp(
            "η values of the evaluated front, comma-separated (default: "
                + WarpSettings().front.map { String(format: "%g", $0) }.joined(separator: ",")
                + ")."))
    var front: DoubleList?
    @Option(
        help: ArgumentHelp(
            "One SLERP angle per: layer (transformer block; the paper's choice), tensor, or model.",
            valueName: "layer|tensor|model"))
    var granularity = WarpSettings().granularity
    @Option(help: "KL coefficient β of the WARP runs.")
    var beta: Float = WarpSettings().reinforce.beta
    @Option(help: "EMA rate μ.") var mu: Float = WarpSettings().mu
    @Option(help: "Adam learning rate of the RL runs.")
    var lr: Float = WarpSettings().reinforce.optimizer.learningRate
    @Option(help: "Completions per step.") var batch = WarpSettings().reinforce.batchSize
    @Option(name: .customLong("new-tokens"), help: "Tokens per completion (and per evaluation).")
    var newTokens = WarpSettings().reinforce.newTokens
    @Option(help: "Sampling temperature of the RL runs (evaluation samples at 1).")
    var temperature = WarpSettings().reinforce.temperature
    @Option(name: .customLong("length-penalty"), help: "Length penalty α per token (appendix E).")
    var lengthPenalty: Double?
    @Flag(
        name: .customLong("fixed-length"),
        help:
            "Completions of exactly --new-tokens (no stop at the end marker; the reward sees every token)."
    )
    var fixedLength = false
    @Option(name: .customLong("baseline-steps"), help: "Steps of each baseline (default I·T).")
    var baselineSteps: Int?
    @Option(name: .customLong("sft-steps"), help: "SFT steps when SFT is trained here.")
    var sftSteps = WarpSettings().sft.steps
    @Option(name: .customLong("eval-every"), help: "Held-out evaluation every E steps.")
    var evalEvery = WarpSettings().evalEvery

    /// Checks the shared knobs and the command's `baseline`, `evalPrompts` and `parallel`
    /// (one `ValidationError` line each).
    func check(baseline: WarpCommand.BaselineBetas, evalPrompts: Int, parallel: Int) throws {
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

    /// The loop's settings from the shared knobs and the command's baselines and evaluation
    /// prompts (reward, seed and parallelism are the command's).
    func settings(baseline: WarpCommand.BaselineBetas, evalPrompts: Int) -> WarpSettings {
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
