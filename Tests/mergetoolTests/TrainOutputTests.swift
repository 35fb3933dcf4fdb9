import Foundation
import Reinforce
import TestSupport
import Testing

@testable import mergetool

/// `train sft|rl -o DIR` never overwrites a directory that is not a run of the same command,
/// and the train commands take one-character relative paths.
@Suite struct TrainOutputTests {
    static let tiny = [
        "--steps", "2", "--batch", "2", "--layers", "1", "--d-model", "8", "--heads", "2",
        "--context", "8", "--quiet",
    ]

    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "train-out-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Name → bytes of every file directly in `dir`.
    static func snapshot(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = FileManager.default.contents(atPath: dir + "/" + name) ?? Data()
        }
        return out
    }

    static func run(_ args: [String]) throws {
        var command = try MergeTool.parseAsRoot(args)
        try command.run()
    }

    @Test(arguments: [
        ["train", "sft"] + tiny,
        ["train", "rl", "--init", "nowhere", "--steps", "1", "--quiet"],
    ])
    func foreignOutputDirectoryIsRefusedAndUntouched(_ args: [String]) throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("mine".utf8))
        FileManager.default.createFile(atPath: dir + "/metrics.csv", contents: Data("x\n".utf8))
        let before = try Self.snapshot(dir)
        let command = args[0] + " " + args[1]
        #expect(
            throws: RefusedRunDirectory(path: dir, command: command, kind: .foreign(files: 2))
        ) { try Self.run(args + ["-o", dir]) }
        #expect(try Self.snapshot(dir) == before)
        let message = RefusedRunDirectory(path: dir, command: command, kind: .foreign(files: 2))
        #expect(message.description.contains("--force") && !message.description.contains("\n"))
    }

    @Test func anSFTRunIsNotAnRLRunDirectory() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.run(["train", "sft", "-o", dir + "/sft"] + Self.tiny)
        let before = try Self.snapshot(dir + "/sft")
        #expect(throws: RefusedRunDirectory.self) {
            try Self.run([
                "train", "rl", "--init", dir + "/sft", "-o", dir + "/sft", "--steps", "1",
                "--quiet",
            ])
        }
        #expect(try Self.snapshot(dir + "/sft") == before)
        // the same command on its own run directory reuses it (as before)
        try Self.run(["train", "sft", "-o", dir + "/sft"] + Self.tiny)
        #expect(try Self.snapshot(dir + "/sft") == before)
    }

    @Test func forceWritesIntoAForeignDirectoryKeepingOtherFiles() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("mine".utf8))
        try Self.run(["train", "sft", "-o", dir, "--force"] + Self.tiny)
        #expect(FileManager.default.contents(atPath: dir + "/notes.txt") == Data("mine".utf8))
        #expect(PolicyCheckpoint.exists(dir + "/policy"))
    }

    @Test func aFileIsNeverARunDirectory() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/f", contents: Data("x".utf8))
        #expect(
            throws: RefusedRunDirectory(path: dir + "/f", command: "train sft", kind: .notDirectory)
        ) { try Self.run(["train", "sft", "-o", dir + "/f", "--force"] + Self.tiny) }
    }

    /// One-character relative paths (`m`, `a/`, a policy file `w` in the working directory),
    /// which `NSString.deletingLastPathComponent` trapped on, through the built binary.
    @Test(.enabled(if: Binary.exists, "needs .build/debug/mergetool"))
    func oneCharacterRelativePaths() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sft = try Binary.run(["train", "sft", "-o", "m"] + Self.tiny, in: dir)
        #expect(sft.status == 0 && !sft.signalled, "\(sft.stderr)")
        let slash = try Binary.run(["train", "sft", "-o", "a/"] + Self.tiny, in: dir)
        #expect(slash.status == 0 && !slash.signalled, "\(slash.stderr)")
        // a policy spread over the working directory: weights file `w`, config and vocab in .
        for name in ["config.json", "vocab.json"] {
            try FileManager.default.copyItem(
                atPath: dir + "/m/policy/" + name, toPath: dir + "/" + name)
        }
        try FileManager.default.copyItem(
            atPath: dir + "/m/policy/model.safetensors", toPath: dir + "/w")
        let rl = try Binary.run(
            [
                "train", "rl", "--init", "w", "--sft", "m", "-o", "r", "--steps", "1", "--batch",
                "1", "--new-tokens", "2", "--quiet",
            ], in: dir)
        #expect(rl.status == 0 && !rl.signalled, "\(rl.stderr)")
        let eval = try Binary.run(
            ["eval", "w", "--sft", "a", "--prompts", "1", "--new-tokens", "2", "--quiet"], in: dir)
        #expect(eval.status == 0 && !eval.signalled, "\(eval.stderr)")
    }
}
