import ArgumentParser
import Foundation
import Reinforce

/// `mergetool train rl --init SFT_DIR -o DIR`: one REINFORCE run, resumable.
struct TrainRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rl",
        abstract: "REINFORCE from a policy with an EMA or SFT anchor (KL-regularised reward).",
        discussion: """
            Each step samples a batch of completions, scores r − β·(log π − log π_anchor) \
            and takes an Adam step; with --anchor ema the anchor is the policy's own moving \
            average θ_ema ← (1−μ)·θ_ema + μ·θ (WARP). Logs every step to DIR/metrics.csv \
            and .jsonl; checkpoints (policy, EMA, optimiser, generators) every \
            --checkpoint-every steps; rerunning the same command on an interrupted DIR \
            continues from its last checkpoint with the same result as an uninterrupted run.
            """)

    @Option(name: .customLong("init"), help: "The starting policy (the SFT run directory).")
    var initial: String
    @Option(help: "The SFT policy for KL-to-SFT (default: --init); the anchor with --anchor sft.")
    var sft: String?
    @Option(name: .shortAndLong, help: "Run directory.") var output: String
    @Option(help: "KL anchor: ema or sft.") var anchor = AnchorChoice.ema
    @Option(help: "KL coefficient β.") var beta: Float = 0.1
    @Option(help: "EMA rate μ.") var mu: Float = 0.01
    @Option(help: "REINFORCE steps.") var steps = WarpSettings().steps
    @Option(help: "Completions per step.") var batch = 16
    @Option(name: .customLong("new-tokens"), help: "Tokens per completion.") var newTokens = 12
    @Option(help: "Sampling temperature.") var temperature: Float = 0.9
    @Flag(
        inversion: .prefixedNo,
        help: "End a completion at the end marker (--no-stop-at-end: always --new-tokens).")
    var stopAtEnd = true
    @Flag(
        name: .customLong("fixed-length"),
        help: ArgumentHelp(
            "Completions of exactly --new-tokens whose reward sees every token (implies "
                + "--no-stop-at-end), as `warp --fixed-length` trains."))
    var fixedLength = false
    @Option(help: "Adam learning rate.") var lr: Float = WarpSettings().reinforce.optimizer
        .learningRate
    @Option(help: "Reward: lexicon or external:COMMAND.") var reward = RewardChoice.lexicon
    @Option(name: .customLong("length-penalty"), help: "Length penalty α per token (appendix E).")
    var lengthPenalty: Double?
    @Option(
        name: .customLong("reward-timeout"),
        help: "Seconds before an external reward command is killed (per batch).")
    var rewardTimeout = ExternalReward.defaultTimeout
    @Option(
        name: .customLong("checkpoint-every"), help: "Checkpoint every K steps (0: at the end).")
    var checkpointEvery = 100
    @Option(name: .customLong("eval-every"), help: "Held-out evaluation every E steps (0: never).")
    var evalEvery = 0
    @Option(help: "Seed of sampling and prompt order.") var seed: UInt64 = 0
    @Option(name: .customLong("prompt-seed"), help: "Seed of the prompt order (default: --seed).")
    var promptSeed: UInt64?
    @Flag(help: "Print steps per second and tokens per second at the end (benchmark).")
    var timing = false
    @Flag(help: "No progress on stderr.") var quiet = false
    @Flag(
        help: ArgumentHelp(
            "Write into an existing -o directory that is not a run of this command "
                + "(its files may be overwritten)."))
    var force = false

    func validate() throws {
        try NumericOption.check(steps, "--steps", atLeast: 0)
        try NumericOption.check(batch, "--batch", atLeast: 1)
        try NumericOption.check(newTokens, "--new-tokens", atLeast: 1)
        try NumericOption.check(beta, "--beta", atLeast: 0)
        try NumericOption.check(mu, "--mu", in: 0...1)
        try NumericOption.check(lr, "--lr", positive: true)
        try NumericOption.check(temperature, "--temperature", positive: true)
        if let lengthPenalty { try NumericOption.check(lengthPenalty, "--length-penalty") }
        try NumericOption.check(rewardTimeout, "--reward-timeout", positive: true)
        if checkpointEvery < 0 || evalEvery < 0 {
            throw ValidationError("--checkpoint-every and --eval-every must be ≥ 0")
        }
    }

    var settings: RLRunSettings {
        var s = RLRunSettings()
        s.reinforce.batchSize = batch
        s.reinforce.newTokens = newTokens
        s.reinforce.temperature = temperature
        s.reinforce.stopAtEnd = stopAtEnd && !fixedLength
        s.reinforce.beta = beta
        s.reinforce.anchor = anchor == .ema ? .ema(rate: mu) : .fixed
        s.reinforce.optimizer.learningRate = lr
        s.reinforce.seed = seed
        s.promptSeed = promptSeed ?? seed
        s.steps = steps
        s.checkpointEvery = checkpointEvery
        s.evalEvery = evalEvery
        s.reward = lengthPenalty.map { "\(reward.spec)+length(\($0))" } ?? reward.spec
        if fixedLength { s.reward += "+whole" }
        return s
    }

    func run() throws {
        BLASThreads.set(1)
        try RefusedRunDirectory.check(
            output, command: "train rl", settings: RLRunSettings.self, force: force)
        let (start, vocabulary) = try PolicyCheckpoint.load(initial)
        let reference = try sft.map { try PolicyCheckpoint.load($0).model } ?? start
        var estimate = MemoryEstimate.reinforce(start.config, batch: batch)
        if evalEvery > 0 {
            estimate =
                estimate
                + MemoryEstimate.evaluation(
                    start.config, batch: EvaluationSettings().batchSize)
        }
        try estimate.check("train rl")
        let base = try RewardSpec.make(
            reward.spec, lengthPenalty: lengthPenalty, timeout: rewardTimeout)
        let rewardFunction: any RewardFunction = fixedLength ? WholeCompletion(base) : base
        let evaluator =
            evalEvery > 0
            ? try PolicyEvaluator(sft: reference, reward: rewardFunction, vocabulary: vocabulary)
            : nil
        let run = try RLRun(
            initial: start, sft: reference, reward: rewardFunction,
            vocabulary: vocabulary, settings: settings, directory: output,
            evaluator: evaluator)
        let clock = Date()
        let total = steps
        let line = ProgressLine(label: "rl", unit: "steps", quiet: quiet)
        let result: RLRunResult
        do {
            defer { line.finish() }
            result = try run.run { s in
                let detail = String(
                    format: "reward %.3f±%.3f, KL(anchor) %.3f, KL(sft) %.3f, H %.2f, len %.1f, "
                        + "distinct %.2f",
                    s.rewardMean, s.rewardStd, s.klToAnchor, s.klToSFT ?? .nan, s.entropy,
                    s.completionLength, s.distinctRatio)
                line.update(Progress(done: s.step, total: total, detail: detail))
            }
        }
        let seconds = Date().timeIntervalSince(clock)
        if let from = result.resumedFrom { print("resumed from step \(from)") }
        if let last = result.stats.last {
            print(
                String(
                    format: "rl: %d steps, final reward %.4f, KL(sft) %.4f -> %@",
                    last.step, last.rewardMean, last.klToSFT ?? .nan,
                    (output as NSString).appendingPathComponent("policy")))
        }
        if timing, !result.stats.isEmpty {
            let n = Double(result.stats.count)
            let sampled = Double(batch * newTokens) * n
            print(
                String(
                    format: "timing: %.2f steps/s, %.0f sampled tokens/s (batch %d × %d "
                        + "tokens, %d steps, %.3f s; checkpoints and logging included)",
                    n / seconds, sampled / seconds, batch, newTokens, result.stats.count,
                    seconds))
        }
    }
}
