import Foundation

/// Everything that defines a REINFORCE run besides its models: stored as `run.json` in the
/// run directory, so rerunning the same command can check it resumes the same run.
public struct RLRunSettings: Codable, Sendable, Equatable {
    /// The trainer's settings (batch, tokens, β, anchor, optimiser, sampling seed).
    public var reinforce = ReinforceSettings()
    /// Total steps T.
    public var steps = 100
    /// Save a resumable checkpoint every K steps (0: only at the end).
    public var checkpointEvery = 0
    /// Seed of the training prompt order (`PromptSet.training(seed:)`).
    public var promptSeed: UInt64 = 0
    /// Evaluate (reward, KL to SFT on the held-out set) every E steps, and at 0 and T
    /// (0: never). Logged to `eval.csv`; these points are the KL–reward trajectory.
    public var evalEvery = 0
    /// The reward spec (`RewardSpec.make`), for the record.
    public var reward = "lexicon"

    public init() {}

    /// Throws `ReinforceError.invalidOption` for out-of-range values.
    public func validate() throws {
        try reinforce.validate()
        guard steps >= 0 else {
            throw ReinforceError.invalidOption(name: "steps", reason: "\(steps) is negative")
        }
        guard checkpointEvery >= 0 else {
            throw ReinforceError.invalidOption(
                name: "checkpoint-every", reason: "\(checkpointEvery)")
        }
        guard evalEvery >= 0 else {
            throw ReinforceError.invalidOption(name: "eval-every", reason: "\(evalEvery)")
        }
    }

    /// Whether `other` describes the same run up to its length (resuming may extend `steps`).
    public func sameRun(as other: RLRunSettings) -> Bool {
        var a = self, b = other
        a.steps = 0
        b.steps = 0
        return a == b
    }

    /// Sorted-key JSON.
    func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }
}

/// The non-tensor state of a REINFORCE checkpoint (`trainer_state.json`): enough, with the
/// policy, EMA and optimiser moments, to continue bit for bit.
struct RLTrainerState: Codable, Equatable {
    /// Steps done.
    var step: Int
    /// `SeededGenerator.state` of the sampling generator and of the prompt stream, as 16
    /// hex digits (JSON numbers lose bits above 2⁵³).
    var samplingState: String
    var promptState: String
    /// Adam's step count t.
    var optimizerStep: Int

    static func hex(_ x: UInt64) -> String {
        let digits = String(x, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
