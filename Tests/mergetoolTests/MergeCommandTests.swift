import Foundation
import Merging
import TestSupport
import Testing

@testable import SafeTensors
@testable import mergetool

/// Parses a merge command line into something the tests can run in process.
enum MergeCLIFixture {
    static func command(_ args: [String]) throws -> any ParsableCommandRunnable {
        guard let cmd = try MergeTool.parseAsRoot(args) as? any ParsableCommandRunnable else {
            throw CocoaError(.featureUnsupported)
        }
        return cmd
    }

    /// The first line of the message ArgumentParser prints for `args` (`MergeTool.message`),
    /// or nil when they parse and validate.
    static func parseError(_ args: [String]) -> String? {
        do {
            _ = try MergeTool.parseAsRoot(args)
            return nil
        } catch {
            return MergeTool.message(for: error).split(separator: "\n").first.map(String.init)
        }
    }
}

protocol ParsableCommandRunnable { func run() throws }
extension SlerpCommand: ParsableCommandRunnable {}
extension LerpCommand: ParsableCommandRunnable {}
extension LitiCommand: ParsableCommandRunnable {}
extension ExtrapolateCommand: ParsableCommandRunnable {}

@Suite struct MergeCommandTests {
    func run(_ args: [String]) throws {
        try ErrorAdvice.reporting { try MergeCLIFixture.command(args + ["--quiet"]).run() }
    }

    @Test func fusedFrontEqualsSlerpThenLitiThroughTheCLI() throws {
        let dir = Fixture.tempDir("merge-cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.mergeFamily(in: dir, shardSize: 300)
        try run([
            "slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base", "--eta", "0,0.3,1",
            "-o", dir + "/front", "--shard-size", "400",
        ])
        for eta in ["0", "0.3", "1"] {
            let out = dir + "/front/eta-" + eta
            #expect(FileManager.default.fileExists(atPath: out + "/config.json"))
            #expect(FileManager.default.fileExists(atPath: out + "/README.md"))
            #expect(FileManager.default.fileExists(atPath: out + "/" + Checkpoint.indexName))
            let meta = try Checkpoint.open(out).metadata
            #expect(
                meta["merge.method"] == "slerp"
                    && meta["merge.eta"] == (eta == "0.3" ? "0.3" : eta + ".0"))
            #expect(meta["merge.tool"] == "mergetool 0.1.0" && meta["format"] == "pt")
        }
        // η = 0 is the init's tensors
        #expect(
            try Fixture.tensorBytes(dir + "/front/eta-0")
                == Fixture.tensorBytes(dir + "/base"))
        // slerp (f64) then liti gives the same bytes as the fused front
        try run([
            "slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base", "--dtype", "f64",
            "-o", dir + "/slerp64.safetensors",
        ])
        try run([
            "liti", dir + "/slerp64.safetensors", "--init", dir + "/base", "--eta", "0.3",
            "-o", dir + "/liti",
        ])
        #expect(
            try Fixture.tensorBytes(dir + "/liti")
                == Fixture.tensorBytes(dir + "/front/eta-0.3"))
        // and a plain slerp run equals the front's η = 1
        try run([
            "slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base", "-o", dir + "/plain",
        ])
        #expect(
            try Fixture.tensorBytes(dir + "/plain")
                == Fixture.tensorBytes(dir + "/front/eta-1"))
        #expect(try Checkpoint.open(dir + "/plain").metadata["merge.eta"] == nil)
    }

    @Test func extrapolateAndLerp() throws {
        let dir = Fixture.tempDir("merge-cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.mergeFamily(in: dir)
        try run([
            "extrapolate", dir + "/ft1", "--init", dir + "/base", "--eta", "2", "-o", dir + "/x2",
        ])
        try run([
            "lerp", dir + "/ft1", dir + "/base", "--weights", "2,-1", "--init", dir + "/base",
            "-o", dir + "/ta",
        ])
        // θ + 2(θ1 − θ) = task arithmetic with weights (2, −1·0): both are init + 2·δ1
        let a = try Checkpoint.open(dir + "/x2"), b = try Checkpoint.open(dir + "/ta")
        for t in a.tensors where t.dtype == .bf16 {
            #expect(try a.bytes(of: t.name) == b.bytes(of: t.name))
        }
        #expect(try Checkpoint.open(dir + "/x2").metadata["merge.method"] == "liti")
    }

    /// Streamed (zstd) inputs: one reader thread, a second reader for the statistics pass;
    /// same bytes as mapped inputs.
    @Test func zstdInputsGiveTheSameMerge() throws {
        let dir = Fixture.tempDir("merge-cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.mergeFamily(in: dir)
        for name in ["base", "ft1", "ft2"] {
            let store = try Checkpoint.open(dir + "/" + name)
            let w = try CheckpointWriter(
                path: dir + "/\(name).safetensors.zst", tensors: store.tensors, metadata: [])
            for t in store.tensors { try w.copy(t.name, from: store) }
            try w.finish()
        }
        try run([
            "slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base", "-o", dir + "/plain",
        ])
        try run([
            "slerp", dir + "/ft1.safetensors.zst", dir + "/ft2.safetensors.zst", "--init",
            dir + "/base.safetensors.zst", "-o", dir + "/z",
        ])
        #expect(
            try Fixture.tensorBytes(dir + "/z")
                == Fixture.tensorBytes(dir + "/plain"))
    }

    @Test func dryRunWritesNothing() throws {
        let dir = Fixture.tempDir("merge-cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.mergeFamily(in: dir)
        try run([
            "slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base", "--dry-run", "-o",
            dir + "/out",
        ])
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func shapeMismatchIsOneClearError() throws {
        let dir = Fixture.tempDir("merge-cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.mergeFamily(in: dir)
        let odd = InMemoryStore()
        let base = try Checkpoint.open(dir + "/base")
        for t in base.tensors {
            if t.name == "model.norm.weight" {
                odd.set(
                    TensorInfo(name: t.name, dtype: .bf16, shape: [2, 4]),
                    bytes: try base.bytes(of: t.name))
            } else {
                odd.set(t, bytes: try base.bytes(of: t.name))
            }
        }
        let w = try CheckpointWriter(
            path: dir + "/odd.safetensors", tensors: odd.tensors, metadata: [])
        for t in odd.tensors { try w.copy(t.name, from: odd) }
        try w.finish()
        #expect {
            try run([
                "slerp", dir + "/ft1", dir + "/odd.safetensors", "--init", dir + "/base", "-o",
                dir + "/out",
            ])
        } throws: { error in
            let text = "\(error)"
            return text.contains("model.norm.weight") && text.contains("odd.safetensors [2, 4]")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func parsingRules() throws {
        let parseError = MergeCLIFixture.parseError
        #expect(
            parseError(["slerp", "a", "--init", "b", "-o", "c"])
                == "slerp needs at least two models, got 1")
        #expect(
            parseError([
                "slerp", "a", "b", "--init", "c", "--lambda", "0.3", "--weights", "1,1", "-o", "d",
            ]) == "use either --lambda or --weights")
        #expect(
            parseError(["extrapolate", "a", "--init", "b", "--eta", "0.5", "-o", "c"])
                == "extrapolate takes η > 1 (got 0.5); use `mergetool liti` for 0 ≤ η ≤ 1")
        #expect(
            parseError(["liti", "a", "--init", "b", "--eta", "x", "-o", "c"])
                == "The value 'x' is invalid for '--eta <eta>'")
        let cmd = try #require(
            try MergeTool.parseAsRoot(
                [
                    "slerp", "a", "b", "c", "--init", "i", "--weights", "1, 2,3", "--eta", "0,0.3",
                    "--granularity", "tensor",
                    "-o", "o",
                ]) as? SlerpCommand)
        #expect(
            cmd.weights?.values == [1, 2, 3] && cmd.eta?.values == [0, 0.3]
                && cmd.grouping.granularity == .tensor)
        #expect(DoubleList(argument: "1,,2") == nil && DoubleList(argument: "inf") == nil)
        // a negative η is a value, not a flag; LITI has no angle, so no --granularity
        let liti = try #require(
            try MergeTool.parseAsRoot(["liti", "a", "--init", "b", "--eta", "-0.5,1", "-o", "c"])
                as? LitiCommand)
        #expect(liti.eta.values == [-0.5, 1])
        #expect(
            MergeCLIFixture.parseError([
                "liti", "a", "--init", "b", "--eta", "0.3", "--granularity", "tensor", "-o", "c",
            ]) == "Unknown option '--granularity'")
    }

    @Test func negativeEtaIsRefusedUnlessAllowed() throws {
        let dir = Fixture.tempDir("merge-cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.mergeFamily(in: dir)
        #expect {
            try run(["liti", dir + "/ft1", "--init", dir + "/base", "--eta=-0.5", "-o", dir + "/n"])
        } throws: { error in
            // the library's typed error, with the command line's advice naming the flag
            let advised = error as? AdvisedError
            return advised?.error == MergeError.negativeEta(eta: -0.5)
                && advised?.description.contains("--allow-negative-eta") == true
        }
        try run([
            "liti", dir + "/ft1", "--init", dir + "/base", "--eta", "-0.5", "--allow-negative-eta",
            "-o", dir + "/n",
        ])
        #expect(FileManager.default.fileExists(atPath: dir + "/n/model.safetensors"))
    }
}
