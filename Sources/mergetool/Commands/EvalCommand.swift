import ArgumentParser
import Foundation
import Reinforce

/// `mergetool eval CKPT… --sft SFT`: mean reward and KL(π‖π_sft) of policies on the fixed
/// held-out prompt set, with the same draws for every checkpoint.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate policies: mean reward and KL to the SFT model on held-out prompts.",
        discussion: """
            Each policy samples completions for the fixed evaluation prompts with fixed \
            random draws (the same for every checkpoint). KL is the exact per-token \
            KL(π‖π_sft) over the full vocabulary, summed along each completion and averaged; \
            kl_log_ratio is the Monte Carlo estimate log π(y) − log π_sft(y) on the same \
            samples. A checkpoint is a policy directory (config.json, vocab.json, \
            model.safetensors) or a run directory.
            """)

    @Argument(help: "Policies to evaluate (directories written by train/warp).")
    var checkpoints: [String] = []

    @Option(help: "The SFT policy the KL is measured against.")
    var sft: String

    @Option(help: "Reward: lexicon or external:COMMAND.")
    var reward = RewardChoice.lexicon

    @Option(
        name: .customLong("reward-timeout"),
        help: "Seconds before an external reward command is killed (per batch).")
    var rewardTimeout = ExternalReward.defaultTimeout

    @Option(help: "Held-out prompts.")
    var prompts = 64

    @Option(name: .customLong("samples"), help: "Completions per prompt.")
    var samples = 1

    @Option(name: .customLong("new-tokens"), help: "Tokens per completion.")
    var newTokens = 12

    @Option(help: "Sampling temperature (1 makes the summed KL the sequence KL).")
    var temperature: Float = 1

    @Option(help: "Seed of the evaluation draws.")
    var seed: UInt64 = 0

    @Option(name: .customLong("length-penalty"), help: "Length penalty α per token (appendix E).")
    var lengthPenalty: Double?

    @Flag(
        name: .customLong("fixed-length"),
        help: ArgumentHelp(
            "Completions of exactly --new-tokens (no stop at the end marker; the reward sees "
                + "every token), as `warp --fixed-length` evaluates."))
    var fixedLength = false

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Print CSV.")
    var csv = false

    @Flag(name: .shortAndLong, help: "No progress line on stderr.")
    var quiet = false

    @Option(
        name: .customLong("dump-logits"),
        help: ArgumentHelp(
            "Print the logits of the first checkpoint on these space-separated token ids as JSON "
                + "(for examples/compare_transformers.py) and exit.", visibility: .hidden))
    var dumpLogits: String?

    func validate() throws {
        if checkpoints.isEmpty { throw ValidationError("give at least one checkpoint") }
        if json && csv { throw ValidationError("--json and --csv cannot be used together") }
        try NumericOption.check(prompts, "--prompts", atLeast: 1)
        try NumericOption.check(samples, "--samples", atLeast: 1)
        try NumericOption.check(newTokens, "--new-tokens", atLeast: 1)
        try NumericOption.check(temperature, "--temperature", positive: true)
        try NumericOption.check(rewardTimeout, "--reward-timeout", positive: true)
        if let lengthPenalty { try NumericOption.check(lengthPenalty, "--length-penalty") }
    }

    var settings: EvaluationSettings {
        var s = EvaluationSettings()
        s.promptCount = prompts
        s.samplesPerPrompt = samples
        s.newTokens = newTokens
        s.temperature = temperature
        s.seed = seed
        s.stopAtEnd = !fixedLength
        return s
    }

    func run() throws {
        // the in-process loop's evaluation runs on one BLAS thread: the same sums in the same
        // order, so scores are identical whatever OPENBLAS_NUM_THREADS says
        BLASThreads.set(BLASThreads.reproducible)
        print(try execute(), terminator: "")
    }

    /// The text printed on stdout.
    func execute() throws -> String {
        if let ids = dumpLogits { return try logits(ids) }
        let (reference, vocabulary) = try PolicyCheckpoint.load(sft)
        try MemoryEstimate.evaluation(
            reference.config, batch: settings.batchSize, prompts: prompts, samples: samples
        ).check("eval")
        let base = try RewardSpec.make(
            reward.spec, lengthPenalty: lengthPenalty, timeout: rewardTimeout)
        let evaluator = try PolicyEvaluator(
            sft: reference, reward: fixedLength ? WholeCompletion(base) : base,
            vocabulary: vocabulary, settings: settings)
        var results: [EvaluationResult] = []
        let line = ProgressLine(label: "eval", unit: "checkpoints", quiet: quiet)
        defer { line.finish() }
        line.update(Progress(done: 0, total: checkpoints.count))
        for path in checkpoints {
            let (policy, vocab) = try PolicyCheckpoint.load(path)
            guard vocab == vocabulary else {
                throw ValidationError("\(path): its vocabulary differs from the SFT model's")
            }
            results.append(try evaluator.evaluate(policy, label: path))
            line.update(Progress(done: results.count, total: checkpoints.count))
        }
        if json { return EvaluationResult.json(results) + "\n" }
        if csv {
            return ([EvaluationResult.csvHeader] + results.map(\.csvRow)).joined(separator: "\n")
                + "\n"
        }
        return EvaluationResult.table(results)
    }

    /// `{"tokens": [...], "vocab_size": V, "logits": [[...], ...]}` for one sequence.
    func logits(_ text: String) throws -> String {
        let ids = try text.split(whereSeparator: { $0 == " " || $0 == "," }).map { item in
            guard let id = Int(item) else {
                throw ValidationError("--dump-logits: '\(item)' is not an id")
            }
            return id
        }
        guard !ids.isEmpty else { throw ValidationError("--dump-logits needs token ids") }
        let (model, _) = try PolicyCheckpoint.load(checkpoints[0])
        let ws = GPTWorkspace(config: model.config, capacity: 1, length: ids.count, training: false)
        try model.forward(tokens: ids, batch: 1, steps: ids.count, workspace: ws)
        let rows = (0..<ids.count).map { t in
            "[" + ws.logits(row: 0, position: t).map { "\($0)" }.joined(separator: ",") + "]"
        }
        return "{\"tokens\":[" + ids.map(String.init).joined(separator: ",") + "],\"vocab_size\":"
            + "\(model.config.vocabSize),\"logits\":[" + rows.joined(separator: ",") + "]}\n"
    }
}
