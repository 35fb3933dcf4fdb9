import ArgumentParser
import Foundation
import Reinforce
import TestSupport
import Testing

@testable import mergetool

@Suite("Train, eval and warp commands")
struct TrainCommandTests {
    func parse<T: ParsableCommand>(_ args: [String], as: T.Type) throws -> T {
        let command = try MergeTool.parseAsRoot(args)
        return try #require(command as? T)
    }

    @Test func trainRLOptionsBecomeSettings() throws {
        let c = try parse(
            [
                "train", "rl", "--init", "sft", "-o", "out", "--anchor", "sft",
                "--beta", "0", "--steps", "7", "--batch", "8", "--lr", "0.002",
                "--checkpoint-every", "3", "--seed", "5",
            ], as: TrainRLCommand.self)
        let s = c.settings
        #expect(s.reinforce.anchor == .fixed)
        #expect(s.reinforce.beta == 0)
        #expect(s.steps == 7)
        #expect(s.reinforce.batchSize == 8)
        #expect(s.reinforce.optimizer.learningRate == 0.002)
        #expect(s.checkpointEvery == 3)
        #expect(s.reinforce.seed == 5 && s.promptSeed == 5)
        let ema = try parse(
            ["train", "rl", "--init", "a", "-o", "b", "--mu", "0.05"],
            as: TrainRLCommand.self)
        #expect(ema.settings.reinforce.anchor == .ema(rate: 0.05))
        #expect(ema.settings.reinforce.beta == 0.1)
        #expect(ema.settings.reinforce.stopAtEnd)
    }

    @Test func noStopAtEndSamplesEveryToken() throws {
        let c = try parse(
            ["train", "rl", "--init", "a", "-o", "b", "--no-stop-at-end"],
            as: TrainRLCommand.self)
        #expect(c.settings.reinforce.stopAtEnd == false)
    }

    @Test func badFlagsAreRejected() {
        for (args, message) in [
            (
                ["train", "rl", "--init", "a", "-o", "b", "--anchor", "zero"],
                "The value 'zero' is invalid for '--anchor <anchor>'. Please provide one of 'ema' and 'sft'."
            ),
            (
                ["train", "rl", "--init", "a", "-o", "b", "--mu", "2"],
                "--mu must be in [0, 1], got 2"
            ),
            (
                ["train", "sft", "-o", "b", "--d-model", "10", "--heads", "4"],
                "bad model shape: need d-model a multiple of heads, context ≥ 8"
            ),
            (
                ["warp", "--run-dir", "d", "--runs", "1"],
                "--runs must be at least 2 (SLERP merges M ≥ 2 runs)"
            ),
            (
                ["warp", "--run-dir", "d", "--front", "0,x"],
                "The value '0,x' is invalid for '--front <front>'"
            ),
            (
                ["warp", "--run-dir", "d", "--baseline", "-1"],
                "Missing value for '--baseline <baseline>'"
            ),
            (
                ["eval", "a", "--sft", "b", "--json", "--csv"],
                "--json and --csv cannot be used together"
            ),
            (["eval", "--sft", "b"], "give at least one checkpoint"),
        ] {
            #expect(MergeCLIFixture.parseError(args) == message, "\(args)")
        }
    }

    @Test func warpOptionsBecomeSettings() throws {
        let c = try parse(
            [
                "warp", "--run-dir", "d", "--iterations", "3", "--runs", "4",
                "--steps", "50", "--eta", "0.5", "--front", "0,1",
                "--baseline", "0.1,0",
            ], as: WarpCommand.self)
        let s = try c.settings
        #expect(s.iterations == 3 && s.runs == 4 && s.steps == 50)
        #expect(s.eta == 0.5)
        #expect(s.front == [0, 1])
        #expect(s.outputEtas == [0, 0.5, 1])
        #expect(s.baselines == [0.1, 0])
        #expect(s.runSettings(iteration: 2, run: 3).reinforce.anchor == .ema(rate: 0.01))
        #expect(s.baselineSettings(beta: 0, index: 0).reinforce.anchor == .fixed)
        #expect(s.baselineSettings(beta: 0, index: 0).steps == 150)
    }

    /// In process: a 3-step SFT of a tiny model, then eval of it against itself (KL 0) as
    /// JSON and CSV, and its logits as JSON.
    @Test func sftThenEvalInProcess() throws {
        let root = Fixture.tempDir("r3-cli")
        defer { Fixture.cleanup(root) }
        let dir = root + "/sft"
        let sft = try parse(
            [
                "train", "sft", "-o", dir, "--steps", "3", "--layers", "1",
                "--d-model", "8", "--heads", "2", "--context", "24", "--quiet",
            ],
            as: TrainSFTCommand.self)
        try sft.run()
        #expect(PolicyCheckpoint.exists(dir + "/policy"))
        let eval = try parse(
            ["eval", dir, "--sft", dir + "/policy", "--json", "--prompts", "4"],
            as: EvalCommand.self)
        let out = try eval.execute()
        let results = try JSONDecoder().decode([EvaluationResult].self, from: Data(out.utf8))
        #expect(results.count == 1)
        #expect(results[0].kl == 0)
        #expect(results[0].samples == 4)
        let csv = try parse(
            ["eval", dir, "--sft", dir, "--csv", "--prompts", "4"],
            as: EvalCommand.self
        ).execute()
        #expect(csv.hasPrefix(EvaluationResult.csvHeader + "\n"))
        let logits = try parse(
            ["eval", dir, "--sft", dir, "--dump-logits", "0 5 7"],
            as: EvalCommand.self
        ).execute()
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(logits.utf8)) as? [String: Any])
        #expect((object["logits"] as? [[Double]])?.count == 3)
    }
}
