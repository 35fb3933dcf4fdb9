import ArgumentParser
import Foundation
import TestSupport
import Testing

@testable import SafeTensors
@testable import mergetool

@Suite struct InspectCommandTests {
    @Test func parsesFlags() throws {
        let cmd = try #require(
            try MergeTool.parseAsRoot(["inspect", "x.safetensors", "--json", "--hash"])
                as? InspectCommand)
        #expect(cmd.checkpoint == "x.safetensors" && cmd.json && cmd.hash)
    }

    @Test func goldenTable() throws {
        let dir = Fixture.tempDir("cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.writeCheckpoint(Fixture.smallStore(), to: dir + "/m.safetensors")
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
        let dir = Fixture.tempDir("cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.writeCheckpoint(Fixture.smallStore(), to: dir + "/m.safetensors")
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
        let dir = Fixture.tempDir("cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.writeCheckpoint(Fixture.smallStore(), to: dir + "/ck", shardSize: 10)
        let text = InspectReport.table(try Checkpoint.open(dir + "/ck"), hashes: nil)
        #expect(text.contains("model-00001-of-00003.safetensors"))
        let cmd = try #require(
            try MergeTool.parseAsRoot(["inspect", dir + "/ck"]) as? InspectCommand)
        try cmd.run()
    }

    @Test func malformedFileFailsWithExitCode() throws {
        let dir = Fixture.tempDir("cli")
        defer { Fixture.cleanup(dir) }
        FileManager.default.createFile(atPath: dir + "/bad.safetensors", contents: Data([1, 2, 3]))
        let cmd = try #require(
            try MergeTool.parseAsRoot(["inspect", dir + "/bad.safetensors"]) as? InspectCommand)
        #expect(throws: SafeTensorsError.fileTooSmall(file: dir + "/bad.safetensors", size: 3)) {
            try cmd.run()
        }
    }
}
