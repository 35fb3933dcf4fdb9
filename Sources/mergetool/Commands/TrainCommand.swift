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
    @Flag(
        help: ArgumentHelp(
            "Write into an existing -o directory that is not a run of this command "
                + "(its files may be overwritten)."))
    var force = false

    func validate() throws {
        try NumericOption.check(steps, "--steps", atLeast: 1)
        try NumericOption.check(batch, "--batch", atLeast: 1)
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
        try RefusedRunDirectory.check(
            output, command: "train sft", settings: SFTRunSettings.self, force: force)
        var config = settings.model
        config.vocabSize = try SFTRun.corpus(settings).vocabulary.count
        try MemoryEstimate.sft(config, batch: batch).check("train sft")
        let total = steps
        let line = ProgressLine(label: "sft", unit: "steps", quiet: quiet)
        let (model, vocabulary): (GPT, Vocabulary)
        do {
            defer { line.finish() }
            (model, vocabulary) = try SFTRun.run(settings, directory: output) { t, loss in
                line.update(
                    Progress(done: t, total: total, detail: String(format: "loss %.4f", loss)))
            }
        }
        print(
            "sft: \(model.parameterCount) parameters, vocabulary \(vocabulary.count), "
                + "\(steps) steps -> \((output as NSString).appendingPathComponent("policy"))")
    }
}
