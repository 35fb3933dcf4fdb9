/// Supervised fine-tuning: AdamW on the mean next-token cross-entropy of a corpus.
///
/// Each step draws `batchSize` sequences uniformly at random (seeded), truncates them to the
/// context (+1 for the shifted target) and minimises the mean cross-entropy of every token
/// after the first (`TokenBatch` default). Sequences should look like the corpus's
/// `[bos] + words + [bos]`, so the model also learns to end a review.
/// - Complexity: per step one forward + backward at (B, T ≤ context) plus O(P) for AdamW.
public final class SFTTrainer: @unchecked Sendable {
    public struct Settings: Codable, Sendable, Equatable {
        public var batchSize = 16
        public var optimizer = AdamW.Settings(
            learningRate: 3e-3, weightDecay: 0.01,
            warmupSteps: 20, clipNorm: 1)
        public var seed: UInt64 = 0
        public init() {}
    }

    public let model: GPT
    public let settings: Settings
    public let optimizer: AdamW
    public private(set) var generator: SeededGenerator
    let sequences: [[Int]]
    let workspace: GPTWorkspace

    /// - Throws: `ReinforceError.invalidOption` for an empty corpus, a batch size below 1, or a
    ///   sequence shorter than 2 tokens; `.tokenOutOfRange` for an id outside the vocabulary.
    public init(model: GPT, sequences: [[Int]], settings: Settings = Settings()) throws {
        guard settings.batchSize >= 1 else {
            throw ReinforceError.invalidOption(name: "batch size", reason: "\(settings.batchSize)")
        }
        guard !sequences.isEmpty else {
            throw ReinforceError.invalidOption(name: "corpus", reason: "no sequences")
        }
        let v = model.config.vocabSize
        for (i, s) in sequences.enumerated() {
            guard s.count >= 2 else { throw ReinforceError.emptySequence(index: i) }
            if let bad = s.first(where: { $0 < 0 || $0 >= v }) {
                throw ReinforceError.tokenOutOfRange(token: bad, vocabSize: v)
            }
        }
        self.model = model
        self.settings = settings
        self.sequences = sequences.map { Array($0.prefix(model.config.context + 1)) }
        optimizer = AdamW(layout: model.layout, settings: settings.optimizer)
        generator = SeededGenerator.derived(seed: settings.seed, stream: 0x5346_54)
        workspace = GPTWorkspace(
            config: model.config, capacity: settings.batchSize,
            length: model.config.context, training: true)
    }

    /// One optimisation step; returns the batch's mean cross-entropy before the update.
    public func step() throws -> Float {
        var rows: [[Int]] = []
        rows.reserveCapacity(settings.batchSize)
        for _ in 0..<settings.batchSize { rows.append(generator.pick(sequences)) }
        let batch = try TokenBatch(sequences: rows, maxSteps: model.config.context)
        workspace.gradients.zero()
        let loss = try model.crossEntropy(batch, workspace: workspace, gradient: true)
        optimizer.update(parameters: model.parameters, gradients: workspace.gradients)
        return loss
    }

    /// `steps` optimisation steps; the loss of each.
    public func train(steps: Int) throws -> [Float] {
        var losses: [Float] = []
        losses.reserveCapacity(steps)
        for _ in 0..<steps { losses.append(try step()) }
        return losses
    }

    /// Mean cross-entropy of `sequences` under the model (no update), in batches.
    public func evaluate(_ sequences: [[Int]]) throws -> Float {
        var total: Double = 0, count = 0
        var start = 0
        while start < sequences.count {
            let rows = sequences[start..<min(start + settings.batchSize, sequences.count)]
                .map { Array($0.prefix(model.config.context + 1)) }
            let batch = try TokenBatch(sequences: rows, maxSteps: model.config.context)
            let loss = try model.crossEntropy(batch, workspace: workspace, gradient: false)
            total += Double(loss) * Double(batch.maskedCount)
            count += batch.maskedCount
            start += settings.batchSize
        }
        return Float(total / Double(max(count, 1)))
    }
}
