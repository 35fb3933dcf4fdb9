import Foundation
import Testing

@testable import SafeTensors
@testable import mergetool

/// A small checkpoint for the command tests: two bf16 tensors, one i64 scalar, metadata.
enum CLIFixture {
    static func tempDir() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cli-\(UUID().uuidString)"
        ).path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func store() -> InMemoryStore {
        let s = InMemoryStore(label: "fixture", metadata: ["format": "pt"])
        s.set(
            "model.embed.weight", shape: [2, 3], floats: [1, -2, 0.5, 3, 1e-3, -0.0], dtype: .bf16)
        s.set("model.norm.weight", shape: [3], floats: [1, 1, 1.25], dtype: .bf16)
        s.set(TensorInfo(name: "step", dtype: .i64, shape: []), bytes: [7, 0, 0, 0, 0, 0, 0, 0])
        return s
    }

    static func write(_ store: any TensorStore, to path: String, shardSize: Int? = nil) throws {
        let w = try CheckpointWriter(
            path: path, tensors: store.tensors,
            metadata: Checkpoint.metadataPairs(store), shardSize: shardSize)
        for t in store.tensors { try w.copy(t.name, from: store) }
        try w.finish()
    }
}

@Suite struct InspectCommandTests {
    @Test func parsesFlags() throws {
        let cmd = try #require(
            try MergeTool.parseAsRoot(["inspect", "x.safetensors", "--json", "--hash"])
                as? InspectCommand)
        #expect(cmd.checkpoint == "x.safetensors" && cmd.json && cmd.hash)
    }

    @Test func goldenTable() throws {
        let dir = CLIFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CLIFixture.write(CLIFixture.store(), to: dir + "/m.safetensors")
        let store = try Checkpoint.open(dir + "/m.safetensors")
        let text = InspectReport.table(store, hashes: nil)
        #expect(
            text == """
                name                dtype  shape   bytes  file
                model.embed.weight  BF16   [2, 3]     12  m.safetensors
                model.norm.weight   BF16   [3]         6  m.safetensors
                step                I64    []          8  m.safetensors

                \(dir)/m.safetensors: 3 tensors, 10 parameters, 26 bytes (26 B)
                  I64: 1 tensor, 1 parameter, 8 bytes
                  BF16: 2 tensors, 9 parameters, 18 bytes
                metadata: format=pt

                """)
    }

    @Test func goldenJSONWithHashes() throws {
        let dir = CLIFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CLIFixture.write(CLIFixture.store(), to: dir + "/m.safetensors")
        let store = try Checkpoint.open(dir + "/m.safetensors")
        let hashes = try store.tensors.map { try Checkpoint.sha256(of: $0.name, in: store) }
        let text = InspectReport.json(store, hashes: hashes)
        let f = dir + "/m.safetensors"
        #expect(
            text == """
                {
                  "tensors": {
                    "model.embed.weight": {"dtype": "BF16", "shape": [2, 3], "file": "\(f)", "offsets": [0, 12], "sha256": "\(hashes[0])"},
                    "model.norm.weight": {"dtype": "BF16", "shape": [3], "file": "\(f)", "offsets": [12, 18], "sha256": "\(hashes[1])"},
                    "step": {"dtype": "I64", "shape": [], "file": "\(f)", "offsets": [18, 26], "sha256": "\(hashes[2])"}
                  },
                  "metadata": {"format": "pt"}
                }

                """)
        // The JSON parses; hashes are 64 hex digits and differ.
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(parsed?["tensors"] != nil)
        #expect(hashes.allSatisfy { $0.count == 64 } && Set(hashes).count == 3)
    }

    @Test func sha256MatchesKnownVector() throws {
        let s = InMemoryStore()
        s.set(TensorInfo(name: "abc", dtype: .u8, shape: [3]), bytes: Array("abc".utf8))
        #expect(
            try Checkpoint.sha256(of: "abc", in: s)
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func runOnShardedDirectory() throws {
        let dir = CLIFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CLIFixture.write(CLIFixture.store(), to: dir + "/ck", shardSize: 10)
        let text = InspectReport.table(try Checkpoint.open(dir + "/ck"), hashes: nil)
        #expect(text.contains("model-00001-of-00003.safetensors"))
        let cmd = try #require(
            try MergeTool.parseAsRoot(["inspect", dir + "/ck"]) as? InspectCommand)
        try cmd.run()
    }

    @Test func malformedFileFailsWithExitCode() throws {
        let dir = CLIFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/bad.safetensors", contents: Data([1, 2, 3]))
        let cmd = try #require(
            try MergeTool.parseAsRoot(["inspect", dir + "/bad.safetensors"]) as? InspectCommand)
        #expect(throws: (any Error).self) { try cmd.run() }
    }
}
