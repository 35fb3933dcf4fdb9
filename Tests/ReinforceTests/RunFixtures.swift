import Foundation
import Testing

@testable import Reinforce

/// Tiny models and settings for the run, evaluation and WARP tests (fast in debug builds).
enum RunFixture {
    /// One block, width 16, context 20, the built-in vocabulary.
    static let config = GPTConfig(
        layers: 1, dModel: 16, heads: 2, context: 20,
        vocabSize: ReviewCorpus.vocabulary.count)
    static var vocabulary: Vocabulary { ReviewCorpus.vocabulary }

    static func model(seed: UInt64) throws -> GPT { try GPT(config: config, seed: seed) }

    /// A short, fast RL run: batch 4, 4 tokens, lr high enough to move.
    static func rlSettings(steps: Int, anchor: ReinforceSettings.AnchorKind = .ema(rate: 0.1))
        -> RLRunSettings
    {
        var s = RLRunSettings()
        s.reinforce.batchSize = 4
        s.reinforce.newTokens = 4
        s.reinforce.anchor = anchor
        s.reinforce.optimizer.learningRate = 1e-2
        s.reinforce.optimizer.warmupSteps = 2
        s.reinforce.seed = 7
        s.promptSeed = 11
        s.steps = steps
        return s
    }

    static func evaluation(prompts: Int = 6) -> EvaluationSettings {
        var e = EvaluationSettings()
        e.promptCount = prompts
        e.newTokens = 4
        e.batchSize = 4
        return e
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    struct Missing: Error { let path: String }

    /// The JSON object in file `path`.
    static func jsonObject(_ path: String) throws -> [String: Any] {
        guard let data = bytes(path),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw Missing(path: path) }
        return object
    }
}
