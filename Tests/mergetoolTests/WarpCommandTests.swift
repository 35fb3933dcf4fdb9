import ArgumentParser
import Foundation
import Reinforce
import Testing

@testable import mergetool

@Suite("warp command: every knob of the runs")
struct WarpCommandTests {
    func settings(_ args: [String]) throws -> WarpSettings {
        let command = try MergeTool.parseAsRoot(["warp", "--run-dir", "d"] + args)
        return try #require(command as? WarpCommand).settings
    }

    /// The error message the parser gives for `args` (first line), or nil when they parse.
    func message(_ args: [String]) -> String? {
        MergeCLIFixture.parseError(["warp", "--run-dir", "d"] + args)
    }

    @Test func defaultsAreTheLibrarys() throws {
        let s = try settings([])
        let library = WarpSettings()
        #expect(s.granularity == .layer && library.granularity == .layer)
        #expect(s.front == library.front)
        #expect(s.baselines == [0.1])
        #expect(s.reinforce.newTokens == library.reinforce.newTokens)
        #expect(s.reinforce.temperature == library.reinforce.temperature)
        #expect(s.reinforce.batchSize == library.reinforce.batchSize)
        #expect(s.reinforce.optimizer.learningRate == library.reinforce.optimizer.learningRate)
        #expect(s.fixedLength == false && s.lengthPenalty == nil)
    }

    @Test func runKnobsBecomeSettings() throws {
        let s = try settings([
            "--granularity", "tensor", "--temperature", "0.7", "--new-tokens", "9",
            "--length-penalty", "0.02", "--fixed-length", "--lr", "0.001", "--batch", "8",
            "--beta", "0.05", "--mu", "0.02", "--baseline", "0.05,0.1,0.3", "--front", "0,0.5,1",
            "--seed", "3",
        ])
        #expect(s.granularity == .tensor)
        #expect(s.baselines == [0.05, 0.1, 0.3])
        #expect(s.front == [0, 0.5, 1])
        let run = s.runSettings(iteration: 1, run: 2)
        #expect(run.reinforce.temperature == 0.7)
        #expect(run.reinforce.newTokens == 9)
        #expect(run.reinforce.stopAtEnd == false)
        #expect(run.reinforce.optimizer.learningRate == 0.001)
        #expect(run.reinforce.batchSize == 8)
        #expect(run.reinforce.beta == 0.05)
        #expect(run.reinforce.anchor == .ema(rate: 0.02))
        #expect(run.reward == "lexicon+length(0.02)+whole")
        #expect(s.evaluationSettings.newTokens == 9)
        #expect(s.evaluationSettings.stopAtEnd == false)
        #expect(s.baselineSettings(beta: 0.3, index: 2).reinforce.beta == 0.3)
        #expect(try settings(["--granularity", "model"]).granularity == .model)
        #expect(try settings(["--baseline", "none"]).baselines.isEmpty)
    }

    @Test func listsParseLikeEveryOtherList() {
        #expect(message(["--front", "0,x"]) == "The value '0,x' is invalid for '--front <front>'")
        #expect(message(["--front", ""]) == "The value '' is invalid for '--front <front>'")
        #expect(
            message(["--baseline", "0.1,,0.3"])
                == "The value '0.1,,0.3' is invalid for '--baseline <baseline>'")
        #expect(
            message(["--baseline", "nan"])
                == "The value 'nan' is invalid for '--baseline <baseline>'")
        #expect(
            message(["--granularity", "block"])
                == "The value 'block' is invalid for '--granularity <layer|tensor|model>'. "
                + "Please provide one of 'layer', 'tensor' or 'model'.")
    }

    @Test func outOfRangeKnobsAreRejected() {
        #expect(message(["--baseline=-1"]) == "--baseline β values must be ≥ 0")
        #expect(message(["--front", "0,-0.5"]) == "--front values must be ≥ 0")
        #expect(message(["--temperature", "0"]) == "--temperature must be positive, got 0")
        #expect(
            message(["--new-tokens", "0"])
                == "--batch, --new-tokens, --eval-every, --eval-prompts, --parallel must be ≥ 1")
        #expect(
            message(["--length-penalty", "inf"])
                == "--length-penalty must be a finite number, got inf")
    }
}
