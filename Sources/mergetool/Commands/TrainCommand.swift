import ArgumentParser
import Foundation
import Reinforce

/// `mergetool train sft|rl`: the built-in trainer.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a tiny GPT policy: supervised (sft) or REINFORCE (rl).",
        subcommands: [TrainSFTCommand.self, TrainRLCommand.self])
}

/// `mergetool train sft -o DIR`: θ_sft on the built-in review corpus or `--corpus FILE`.
struct TrainSFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Supervised fine-tuning of a fresh GPT on the review corpus (or --corpus).",
        discussion: """
            Writes DIR/policy/ (config.json, vocab.json, model.safetensors, Hugging Face \
            GPT-2 layout), DIR/metrics.csv|jsonl and DIR/run.json. With --corpus the \
            vocabulary is built from the file (one document per line).
            """)

    @Option(name: .shortAndLong, help: "Run directory.") var output: String
    @Option(help: "Optimisation steps.") var steps = WarpSettings().sft.steps
    @Option(help: "Sequences per step.") var batch = 16
    @Option(help: "Peak learning rate (AdamW, warmup, clip 1).") var lr: Float = 3e-3
    @Option(help: "A text file, one document per line (default: built-in reviews).")
    var corpus: String?
    @Option(help: "Transformer blocks.") var layers = 2
    @Option(name: .customLong("d-model"), help: "Residual width.") var dModel = 64
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Context length.") var context = 32
    @Option(help: "Seed of the weights and batches.") var seed: UInt64 = 0
    @Flag(help: "No progress on stderr.") var quiet = false

    func validate() throws {
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        try NumericOption.check(lr, "--lr", positive: true)
        if layers < 1 || dModel < 1 || heads < 1 || dModel % heads != 0 || context < 8 {
            throw ValidationError("bad model shape: need d-model a multiple of heads, context ≥ 8")
        }
    }

    var settings: SFTRunSettings {
        var s = SFTRunSettings()
        s.model = GPTConfig(
            layers: layers, dModel: dModel, heads: heads, context: context,
            vocabSize: 1)
        s.trainer.batchSize = batch
        s.trainer.optimizer.learningRate = lr
        s.trainer.seed = seed
        s.initSeed = seed
        s.corpusSeed = seed
        s.corpusFile = corpus
        s.steps = steps
        return s
    }

    func run() throws {
        BLASThreads.set(1)
        var config = settings.model
        config.vocabSize = try SFTRun.corpus(settings).vocabulary.count
        try MemoryEstimate.sft(config, batch: batch).check("train sft")
        let start = Date()
        let total = steps, quiet = quiet
        let (model, vocabulary) = try SFTRun.run(settings, directory: output) { t, loss in
            if !quiet, t % 50 == 0 || t == total {
                stderrLine(
                    String(
                        format: "sft step %d/%d  loss %.4f  %.1fs", t, total, loss,
                        Date().timeIntervalSince(start)))
            }
        }
        print(
            "sft: \(model.parameterCount) parameters, vocabulary \(vocabulary.count), "
                + "\(steps) steps -> \((output as NSString).appendingPathComponent("policy"))")
    }
}

/// The one check of numeric trainer flags (lr, β, μ, temperature, length penalty, timeouts):
/// finite, then in range, each failure a `ValidationError` naming the flag and the value.
enum NumericOption {
    /// - Parameters:
    ///   - positive: the value must be > 0.
    ///   - atLeast: the value must be ≥ this.
    ///   - range: the value must lie in it.
    static func check<T: BinaryFloatingPoint>(
        _ value: T, _ flag: String, positive: Bool = false, atLeast minimum: T? = nil,
        in range: ClosedRange<T>? = nil
    ) throws {
        let text = Self.text(value)
        guard value.isFinite else {
            throw ValidationError("\(flag) must be a finite number, got \(text)")
        }
        if positive, !(value > 0) {
            throw ValidationError("\(flag) must be positive, got \(text)")
        }
        if let minimum, !(value >= minimum) {
            throw ValidationError("\(flag) must be ≥ \(Self.text(minimum)), got \(text)")
        }
        if let range, !range.contains(value) {
            throw ValidationError(
                "\(flag) must be in [\(Self.text(range.lowerBound)), "
                    + "\(Self.text(range.upperBound))], got \(text)")
        }
    }

    /// `%g` of the value: 0.1 prints as 0.1 whether it came as a Float or a Double.
    static func text<T: BinaryFloatingPoint>(_ value: T) -> String {
        String(format: "%g", Double(value))
    }
}
