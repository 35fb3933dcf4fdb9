import ArgumentParser
import Foundation
import Reinforce
import TestSupport
import Testing

@testable import mergetool

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("Trainer options, memory estimates and reward processes")
struct TrainSafetyCommandTests {
    static let rl = ["train", "rl", "--init", "a", "-o", "b"]
    static let sft = ["train", "sft", "-o", "b"]
    static let eval = ["eval", "a", "--sft", "b"]
    static let warp = ["warp", "--run-dir", "d"]

    @Test(arguments: [
        (rl + ["--length-penalty", "nan"], "--length-penalty must be a finite number, got nan"),
        (rl + ["--length-penalty", "inf"], "--length-penalty must be a finite number, got inf"),
        (rl + ["--lr", "nan"], "--lr must be a finite number, got nan"),
        (rl + ["--lr", "0"], "--lr must be positive, got 0"),
        (rl + ["--beta", "inf"], "--beta must be a finite number, got inf"),
        (rl + ["--beta=-0.5"], "--beta must be ≥ 0, got -0.5"),
        (rl + ["--mu", "nan"], "--mu must be a finite number, got nan"),
        (rl + ["--mu", "2"], "--mu must be in [0, 1], got 2"),
        (rl + ["--temperature", "inf"], "--temperature must be a finite number, got inf"),
        (rl + ["--reward-timeout", "0"], "--reward-timeout must be positive, got 0"),
        (rl + ["--reward-timeout", "nan"], "--reward-timeout must be a finite number, got nan"),
        (sft + ["--lr", "inf"], "--lr must be a finite number, got inf"),
        (eval + ["--temperature", "nan"], "--temperature must be a finite number, got nan"),
        (eval + ["--reward-timeout=-1"], "--reward-timeout must be positive, got -1"),
        (warp + ["--eta", "inf"], "--eta must be a finite number, got inf"),
        (warp + ["--beta", "nan"], "--beta must be a finite number, got nan"),
        (warp + ["--mu", "nan"], "--mu must be a finite number, got nan"),
        (warp + ["--lr", "inf"], "--lr must be a finite number, got inf"),
        (warp + ["--reward-timeout", "inf"], "--reward-timeout must be a finite number, got inf"),
    ])
    func nonFiniteAndOutOfRangeOptionsAreRefused(args: [String], message: String) {
        #expect(MergeCLIFixture.parseError(args) == message)
    }

    @Test func rewardTimeoutReachesTheSettings() throws {
        #expect(MergeCLIFixture.parseError(Self.rl + ["--reward-timeout", "2.5"]) == nil)
        let rl = try #require(
            try MergeTool.parseAsRoot(Self.rl + ["--reward-timeout", "2.5"]) as? TrainRLCommand)
        #expect(rl.rewardTimeout == 2.5)
        let eval = try #require(
            try MergeTool.parseAsRoot(Self.eval + ["--reward-timeout", "9"]) as? EvalCommand)
        #expect(eval.rewardTimeout == 9)
        let warp = try #require(
            try MergeTool.parseAsRoot(Self.warp + ["--reward-timeout", "7"]) as? WarpCommand)
        #expect(try warp.settings.rewardTimeout == 7)
    }

    /// The memory estimate refuses a huge batch, a huge width and a huge evaluation before
    /// allocating.
    @Test func hugeBatchAndWidthAreRefusedUpFront() throws {
        let dir = Fixture.tempDir("train-safety")
        defer { Fixture.cleanup(dir) }
        let sft = try #require(
            try MergeTool.parseAsRoot([
                "train", "sft", "-o", dir + "/sft", "--steps", "1", "--layers", "1",
                "--d-model", "8", "--heads", "2", "--context", "24", "--quiet",
            ]) as? TrainSFTCommand)
        try sft.run()
        func refusal(_ args: [String]) throws -> String? {
            let command = try MergeTool.parseAsRoot(args)
            do {
                if let rl = command as? TrainRLCommand { try rl.run() }
                if let sft = command as? TrainSFTCommand { try sft.run() }
            } catch ReinforceError.notEnoughMemory(let what, let needed, let available, _) {
                #expect(needed > available)
                return what
            }
            return nil
        }
        let rl = [
            "train", "rl", "--init", dir + "/sft", "-o", dir + "/rl", "--batch", "10000000",
            "--quiet",
        ]
        #expect(try refusal(rl) == "train rl")
        #expect(!FileManager.default.fileExists(atPath: dir + "/rl"))
        let wide = ["train", "sft", "-o", dir + "/wide", "--d-model", "100000", "--quiet"]
        #expect(try refusal(wide) == "train sft")
        #expect(!FileManager.default.fileExists(atPath: dir + "/wide"))
        let eval = try #require(
            try MergeTool.parseAsRoot([
                "eval", dir + "/sft", "--sft", dir + "/sft", "--prompts", "1000000000",
                "--samples", "1000",
            ]) as? EvalCommand)
        var evalRefused = false
        do { _ = try eval.execute() } catch ReinforceError.notEnoughMemory(let what, _, _, _) {
            evalRefused = what == "eval"
        }
        #expect(evalRefused)
    }

    /// SIGTERM to `train rl` while its reward command, that command's background child and a
    /// `setsid` child (another session and group) run: exit status 143 and none of them left.
    @Test(.enabled(if: Binary.exists, "needs .build/debug/mergetool"))
    func sigtermKillsTheRewardCommandAndExits143() throws {
        let dir = Fixture.tempDir("train-safety")
        defer { Fixture.cleanup(dir) }
        let sft = Process()
        sft.executableURL = URL(fileURLWithPath: Binary.path)
        sft.arguments = [
            "train", "sft", "-o", dir + "/sft", "--steps", "1", "--layers", "1",
            "--d-model", "8", "--heads", "2", "--context", "24", "--quiet",
        ]
        try sft.run()
        sft.waitUntilExit()
        try #require(sft.terminationStatus == 0)

        let reward =
            "echo $$ >> \(dir)/pids; sleep 300 & echo $! >> \(dir)/pids; "
            + "setsid sleep 300 & echo $! >> \(dir)/pids; touch \(dir)/marker; wait"
        let rl = Process()
        rl.executableURL = URL(fileURLWithPath: Binary.path)
        rl.arguments = [
            "train", "rl", "--init", dir + "/sft", "-o", dir + "/rl", "--steps", "3",
            "--batch", "2", "--new-tokens", "2", "--reward", "external:" + reward, "--quiet",
        ]
        try rl.run()
        // Wait (bounded) for the reward command to have started its child.
        var started = false
        for _ in 0..<6000 where !started {
            started = FileManager.default.fileExists(atPath: dir + "/marker")
            if !started { usleep(20_000) }
        }
        kill(rl.processIdentifier, SIGTERM)
        let pids =
            (try? String(contentsOfFile: dir + "/pids", encoding: .utf8))?
            .split(whereSeparator: \.isNewline).compactMap { pid_t($0) } ?? []
        // Checked before waiting for mergetool: a survivor would hold its parent's pipes.
        let survivors = pids.filter(Processes.isAlive)
        for pid in survivors { kill(pid, SIGKILL) }  // this test started them: stop them
        rl.waitUntilExit()
        try #require(started, "the reward command never started")
        #expect(rl.terminationReason == .exit)
        #expect(rl.terminationStatus == 143)
        #expect(pids.count == 3)
        #expect(survivors.isEmpty, "survived: \(survivors)")
    }
}
