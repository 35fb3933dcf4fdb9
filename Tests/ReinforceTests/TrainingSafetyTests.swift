import Foundation
import TestSupport
import Testing

@testable import Reinforce

/// Rewards in [0, 1] for the first batch, then of alternating sign near the largest Double:
/// the second REINFORCE gradient overflows.
private final class OverflowingReward: RewardFunction, @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0

    func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary) throws
        -> [Double]
    {
        let call = lock.withLock {
            calls += 1
            return calls
        }
        return completions.indices.map {
            call == 1 ? Double($0 % 2) : $0 % 2 == 0 ? 1e308 : -1e308
        }
    }
}

/// The FloatBuffer counts of every stored FloatBuffer property of `object` (by reflection, an
/// independent count of what the type really allocates).
private func allocatedFloats(_ object: Any) -> Int {
    Mirror(reflecting: object).children.reduce(0) { sum, child in
        sum + ((child.value as? FloatBuffer)?.count ?? 0)
    }
}

@Suite struct TrainingSafetyTests {
    static let config = GPTConfig(layers: 2, dModel: 16, heads: 4, context: 12, vocabSize: 30)

    @Test func parameterEstimateMatchesTheLayout() {
        for config in [
            Self.config, GPTConfig(layers: 3, dModel: 24, heads: 3, context: 7, vocabSize: 11),
        ] {
            #expect(
                MemoryEstimate.parameters(config) == Double(ParameterLayout(config: config).count))
        }
    }

    @Test(arguments: [false, true])
    func workspaceEstimateMatchesItsBuffers(training: Bool) {
        let c = Self.config
        let ws = GPTWorkspace(config: c, capacity: 3, length: c.context, training: training)
        let tokens = 3 * c.context  // the Int32 token array, counted as one float each
        #expect(
            MemoryEstimate.workspace(c, rows: 3, length: c.context, training: training)
                == Double(allocatedFloats(ws) + tokens))
    }

    @Test func samplerEstimateMatchesItsBuffers() {
        let sampler = GPTSampler(config: Self.config, capacity: 5)
        #expect(MemoryEstimate.sampler(Self.config, rows: 5) == Double(allocatedFloats(sampler)))
    }

    @Test func hugeBatchIsRefusedWithTheEstimate() {
        let estimate = MemoryEstimate.reinforce(Self.config, batch: 100_000)
        let gib = Double(1 << 30)
        #expect(
            throws: ReinforceError.notEnoughMemory(
                what: "train rl", needed: estimate.bytes, available: 8 * gib,
                detail: "batch 100000 × context 12, d-model 16, 2 layers, 4 heads, "
                    + "vocabulary 30: 7264 parameters")
        ) {
            try estimate.check("train rl", available: 8 * gib)
        }
        #expect(throws: Never.self) {
            try MemoryEstimate.reinforce(Self.config, batch: 16).check("train rl")
        }
        let message = ReinforceError.notEnoughMemory(
            what: "train rl", needed: 37.24 * gib, available: 23.4 * gib, detail: "batch 9")
        #expect(
            message.description
                == "train rl: this configuration needs about 37.2 GiB (batch 9);"
                + " the machine has 23.4 GiB")
    }

    @Test func hugeModelIsRefusedBeforeAnyAllocation() {
        var config = Self.config
        config.dModel = 100_000
        config.heads = 1
        let estimate = MemoryEstimate.sft(config, batch: 16)
        #expect(estimate.bytes > 1e12)
        #expect(MemoryEstimate.machineBytes > 0)
        #expect(
            throws: ReinforceError.notEnoughMemory(
                what: "train sft", needed: estimate.bytes, available: 1e12,
                detail: estimate.detail)
        ) { try estimate.check("train sft", available: 1e12) }
        // Sizes whose byte count overflows an Int are an invalid config, not a trap.
        config.dModel = 1 << 40
        let floats = MemoryEstimate.parameters(config)
        #expect(
            throws: ReinforceError.invalidConfig(
                reason: "about \(floats) parameters, more than can be addressed")
        ) { try config.validate() }
    }

    @Test func unallocatableBufferThrows() {
        #expect(throws: ReinforceError.allocationFailed(floats: Int.max / 2)) {
            _ = try FloatBuffer(checkedCount: Int.max / 2)
        }
    }

    @Test func nonFiniteTrainerOptionsAreRefused() {
        func check(_ name: String, _ value: Any, _ change: (inout ReinforceSettings) -> Void) {
            var s = ReinforceSettings()
            change(&s)
            #expect(
                throws: ReinforceError.invalidOption(
                    name: name, reason: "\(value) is out of range")
            ) { try s.validate() }
        }
        let nan = Float.nan, inf = Float.infinity
        check("learning rate", nan) { $0.optimizer.learningRate = nan }
        check("learning rate", inf) { $0.optimizer.learningRate = inf }
        check("beta", nan) { $0.beta = nan }
        check("beta", inf) { $0.beta = inf }
        check("ema rate", nan) { $0.anchor = .ema(rate: nan) }
        check("temperature", inf) { $0.temperature = inf }
        check("weight decay", nan) { $0.optimizer.weightDecay = nan }
        check("adam beta1", Float(1)) { $0.optimizer.beta1 = 1 }
        check("adam epsilon", Float(0)) { $0.optimizer.epsilon = 0 }
        check("clip norm", inf) { $0.optimizer.clipNorm = inf }
        #expect(
            throws: ReinforceError.invalidOption(
                name: "length penalty", reason: "nan is not a finite number")
        ) { try RewardSpec.make("lexicon", lengthPenalty: .nan) }
    }

    /// A step whose gradient overflows stops the run with the step named; the checkpoint of
    /// the step before stays the last, and no final policy is written.
    @Test func nonFiniteStepStopsTheRunAndKeepsTheLastCheckpoint() throws {
        let dir = Fixture.tempDir("nonfinite")
        defer { Fixture.cleanup(dir) }
        let sft = try RunFixture.model(seed: 1)
        var settings = RunFixture.rlSettings(steps: 3)
        settings.checkpointEvery = 1
        let run = try RLRun(
            initial: sft, sft: sft, reward: OverflowingReward(),
            vocabulary: RunFixture.vocabulary, settings: settings, directory: dir)
        var thrown: ReinforceError?
        do { _ = try run.run() } catch let e as ReinforceError { thrown = e }
        guard case .nonFiniteTraining(let step, let what)? = thrown else {
            Issue.record("expected nonFiniteTraining, got \(String(describing: thrown))")
            return
        }
        #expect(step == 2)
        #expect(what.hasPrefix("gradient norm"), "\(what)")
        #expect(!PolicyCheckpoint.exists(dir + "/policy"))
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints")
        #expect(checkpoints == ["step-000001"])
    }
}
