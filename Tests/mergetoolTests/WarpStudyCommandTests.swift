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
}
