import Foundation

/// Settings of a supervised fine-tuning run (stored as `run.json`).
public struct SFTRunSettings: Codable, Sendable, Equatable {
    public var model = GPTConfig(vocabSize: 1)
    public var trainer = SFTTrainer.Settings()
    /// Optimisation steps.
    public var steps = 600
    /// Seed of the model's initial weights.
    public var initSeed: UInt64 = 0
    /// Built-in corpus: number of reviews and the grammar seed (ignored with `corpusFile`).
    public var corpusSize = 4000
    public var corpusSeed: UInt64 = 0
    /// A custom corpus (one document per line); its vocabulary is built from it.
    public var corpusFile: String?
    /// Log the loss every this many steps (and at the end).
    public var logEvery = 10

    public init() {}
}

/// Trains θ_sft: a fresh GPT on the built-in review corpus (or a custom one) with AdamW, logs
/// the loss, and saves the policy in Hugging Face layout.
///
///     DIR/run.json, DIR/metrics.csv|jsonl (step, loss, held-out loss), DIR/policy/
///
/// Deterministic: the same settings give the same weights bit for bit. An SFT run is short,
/// so it is not resumed: a directory with a finished policy and the same `run.json` is reused.
/// - SeeAlso: WARP paper §2 (θ_sft, the starting point of every RL run).
public enum SFTRun {
    /// The corpus the settings name (the built-in reviews fit the context).
    public static func corpus(_ s: SFTRunSettings) throws -> Corpus {
        if let file = s.corpusFile { return try Corpus(fileAt: file) }
        return ReviewCorpus.builtIn(
            count: s.corpusSize, seed: s.corpusSeed,
            maxSequenceLength: s.model.context + 1)
    }

    /// Trains (or reuses) the SFT policy.
    /// - Parameters:
    ///   - directory: run directory (nil: in memory only).
    ///   - onLog: called with (step, loss) at each logged step.
    /// - Returns: the model and its vocabulary.
    /// - Throws: `ReinforceError`, `ReinforceError` for I/O and corpus errors.
    public static func run(
        _ settings: SFTRunSettings, directory: String?,
        onLog: ((Int, Float) -> Void)? = nil
    ) throws -> (model: GPT, vocabulary: Vocabulary) {
        var settings = settings
        let data = try corpus(settings)
        settings.model.vocabSize = data.vocabulary.count
        if let dir = directory, let reused = try reuse(settings, dir) { return reused }
        // Hold out every 20th document to report a held-out loss.
        var train: [[Int]] = [], heldOut: [[Int]] = []
        for (i, s) in data.sequences.enumerated() where s.count >= 2 {
            if i % 20 == 19 { heldOut.append(s) } else { train.append(s) }
        }
        if heldOut.isEmpty { heldOut = Array(train.prefix(1)) }
        let model = try GPT(config: settings.model, seed: settings.initSeed)
        let trainer = try SFTTrainer(model: model, sequences: train, settings: settings.trainer)
        var log: MetricsLog?
        if let dir = directory {
            try makeDirectory(dir)
            try write(settings, dir)
            log = try MetricsLog(
                directory: dir, name: "metrics",
                columns: ["step", "loss", "heldout_loss"])
        }
        for t in stride(from: 1, through: settings.steps, by: 1) {
            let loss = try trainer.step()
            try FiniteCheck.sft(step: t, loss: loss, model: model)
            if t % max(settings.logEvery, 1) == 0 || t == settings.steps {
                let held: Double? =
                    t == settings.steps
                    ? Double(try trainer.evaluate(heldOut)) : nil
                try log?.append([Double(t), Double(loss), held])
                onLog?(t, loss)
            }
        }
        if let dir = directory {
            try PolicyCheckpoint.save(
                model, vocabulary: data.vocabulary,
                to: (dir as NSString).appendingPathComponent("policy"),
                metadata: ["step": "\(settings.steps)", "stage": "sft"])
        }
        return (model, data.vocabulary)
    }

    /// The finished policy in `dir` when its `run.json` matches `settings`.
    static func reuse(_ settings: SFTRunSettings, _ dir: String) throws
        -> (model: GPT, vocabulary: Vocabulary)?
    {
        let runFile = (dir as NSString).appendingPathComponent("run.json")
        let policy = (dir as NSString).appendingPathComponent("policy")
        guard let data = try? readFile(runFile),
            let saved = try? JSONDecoder().decode(SFTRunSettings.self, from: data),
            saved == settings, PolicyCheckpoint.exists(policy)
        else { return nil }
        return try PolicyCheckpoint.load(policy)
    }

    static func makeDirectory(_ dir: String) throws {
        try RunFiles.makeDirectory(dir)
    }

    static func write(_ settings: SFTRunSettings, _ dir: String) throws {
        let path = (dir as NSString).appendingPathComponent("run.json")
        try RunFiles.writeJSON(settings, to: path)
    }
}
