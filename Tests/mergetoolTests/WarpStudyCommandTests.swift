import ArgumentParser
import Foundation
import Reinforce
import Testing

@testable import mergetool

@Suite("warp study command: flags become the seeds' settings")
struct WarpStudyCommandTests {
    func parse(_ args: [String]) throws -> WarpStudyCommand {
        let command = try MergeTool.parseAsRoot(["warp", "study", "--study-dir", "d"] + args)
        return try #require(command as? WarpStudyCommand)
    }

    func message(_ args: [String]) -> String? {
        do {
            _ = try parse(args)
            return nil
        } catch {
            return MergeTool.message(for: error)
        }
    }

    @Test func defaultsAreWarpsWithAThousandPrompts() throws {
        let c = try parse([])
        let s = c.settings
        var run = WarpSettings()
        run.evaluation.promptCount = 1024
        run.parallelRuns = 1
        #expect(s == run)
        #expect(c.seeds == 8 && c.firstSeed == 0)
    }

    @Test func runKnobsReachEverySeed() throws {
        let c = try parse([
            "--seeds", "3", "--first-seed", "10", "--lr", "0.001", "--runs", "4",
            "--iterations", "2", "--granularity", "tensor", "--baseline", "none",
        ])
        let s = c.settings
        #expect(s.reinforce.optimizer.learningRate == 0.001)
        #expect(s.runs == 4 && s.iterations == 2 && s.granularity == .tensor)
        #expect(s.baselines.isEmpty)
        let study = try WarpStudy(
            settings: s, seeds: [10, 11, 12], directory: "d", parallel: c.parallel)
        #expect(study.seedSettings(11).seed == 11)
        #expect(study.seedDirectory(11) == "d/seed-11")
    }

    @Test func rejectsOneSeedAndAFrontWithoutSlerp() {
        #expect(
            message(["--seeds", "1"])
                == "--seeds must be at least 2 (a standard error needs two)")
        #expect(
            message(["--front", "0,0.5"])
                == "--front values must be ≥ 0 and include 1 (SLERP)")
    }

    @Test func rewardIsTypedAsInWarpRun() throws {
        let failure = try #require(message(["--reward", "oracle"]))
        #expect(failure.contains("'oracle'") && failure.contains("--reward"), "\(failure)")
        #expect(message(["--reward", "external: "])?.contains("'external: '") == true)
        let c = try parse(["--reward", "external:python3 score.py", "--reward-timeout", "5"])
        #expect(c.reward == .external(command: "python3 score.py"))
        #expect(c.settings.reward == "external:python3 score.py")
        #expect(c.settings.rewardTimeout == 5)
        #expect(try parse([]).settings.rewardTimeout == nil)
        #expect(
            message(["--reward-timeout", "0"]) == "--reward-timeout must be positive, got 0")
    }

    @Test func betaGrowthReachesTheSettings() throws {
        let c = try parse(["--beta-growth", "2", "--iterations", "3"])
        #expect(c.settings.betaGrowth == 2)
        #expect(c.settings.runSettings(iteration: 3, run: 1).reinforce.beta == 0.4)
        // g = 1 is the constant schedule: the same settings as no flag (seeds resume).
        #expect(try parse(["--beta-growth", "1"]).settings == parse([]).settings)
        #expect(message(["--beta-growth", "0"]) == "--beta-growth must be positive, got 0")
    }
}
