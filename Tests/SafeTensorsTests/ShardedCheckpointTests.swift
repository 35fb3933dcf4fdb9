import Foundation
import TestSupport
import Testing

@testable import SafeTensors

/// Sharded checkpoints: layout written by `CheckpointWriter`, and one fixture per index error.
@Suite struct ShardedCheckpointTests {
    /// A 3-shard directory of `sampleStore(count: 6, elements: 40)`; returns (dir, store).
    static func make() throws -> (String, InMemoryStore) {
        let dir = Fixture.tempDir("shards")
        let store = Fixture.sampleStore(count: 6, elements: 40)
        try Fixture.writeCheckpoint(store, to: dir + "/ckpt", shardSize: 330)
        return (dir + "/ckpt", store)
    }

    static func index(_ dir: String) -> String { dir + "/" + Checkpoint.indexName }

    static func setIndex(_ dir: String, _ text: String) {
        Fixture.write(Array(text.utf8), to: index(dir))
    }

    @Test func layoutNamesIndexAndTotalSize() throws {
        let (dir, store) = try Self.make()
        defer { Fixture.cleanup((dir as NSString).deletingLastPathComponent) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let total = store.tensors.reduce(0) { $0 + $1.byteCount }
        #expect(files.contains("model-00001-of-0000\(files.count - 1).safetensors"))
        let text = String(decoding: Fixture.read(Self.index(dir)), as: UTF8.self)
        #expect(text.contains("\"total_size\": \(total)"))
        let ckpt = try #require(try Checkpoint.open(dir) as? ShardedCheckpoint)
        #expect(ckpt.shardNames.count == files.count - 1)
        #expect(ckpt.tensors.map(\.name) == store.tensors.map(\.name))  // storage order
        #expect(try Fixture.sameTensors(store, ckpt))
    }

    @Test func missingShard() throws {
        let (dir, _) = try Self.make()
        defer { Fixture.cleanup((dir as NSString).deletingLastPathComponent) }
        try FileManager.default.removeItem(atPath: dir + "/model-00002-of-00003.safetensors")
        #expect(
            throws: SafeTensorsError.missingShard(
                index: Self.index(dir), shard: "model-00002-of-00003.safetensors")
        ) {
            try Checkpoint.open(dir)
        }
    }

    @Test func tensorListedTwice() throws {
        let (dir, _) = try Self.make()
        defer { Fixture.cleanup((dir as NSString).deletingLastPathComponent) }
        Self.setIndex(
            dir,
            #"{"weight_map":{"a":"model-00001-of-00003.safetensors","a":"model-00002-of-00003.safetensors"}}"#
        )
        #expect(
            throws: SafeTensorsError.invalidIndex(
                file: Self.index(dir), reason: "'a' is listed twice")
        ) {
            try Checkpoint.open(dir)
        }
    }

    @Test func nameInIndexNotInShard() throws {
        let (dir, store) = try Self.make()
        defer { Fixture.cleanup((dir as NSString).deletingLastPathComponent) }
        let ckpt = try #require(try Checkpoint.open(dir) as? ShardedCheckpoint)
        var map = store.tensors.map { t in
            "\"\(t.name)\":\"\((ckpt.file(of: t.name) as NSString).lastPathComponent)\""
        }
        map.append(#""ghost":"model-00001-of-00003.safetensors""#)
        Self.setIndex(dir, "{\"weight_map\":{" + map.joined(separator: ",") + "}}")
        #expect(
            throws: SafeTensorsError.indexMismatch(
                index: Self.index(dir), tensor: "ghost", shard: "model-00001-of-00003.safetensors",
                reason: "the shard does not hold it")
        ) {
            try Checkpoint.open(dir)
        }
    }

    @Test func tensorInShardNotInIndex() throws {
        let (dir, store) = try Self.make()
        defer { Fixture.cleanup((dir as NSString).deletingLastPathComponent) }
        let ckpt = try #require(try Checkpoint.open(dir) as? ShardedCheckpoint)
        let map = store.tensors.dropFirst().map { t in
            "\"\(t.name)\":\"\((ckpt.file(of: t.name) as NSString).lastPathComponent)\""
        }
        Self.setIndex(dir, "{\"weight_map\":{" + map.joined(separator: ",") + "}}")
        #expect(
            throws: SafeTensorsError.indexMismatch(
                index: Self.index(dir), tensor: store.tensors[0].name,
                shard: "model-00001-of-00003.safetensors",
                reason: "not listed in the index")
        ) {
            try Checkpoint.open(dir)
        }
    }

    @Test func tensorInTwoShards() throws {
        let dir = Fixture.tempDir("dup")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 1)
        try Fixture.writeCheckpoint(store, to: dir + "/a.safetensors")
        try Fixture.writeCheckpoint(store, to: dir + "/b.safetensors")
        let name = store.tensors[0].name
        Self.setIndex(
            dir, "{\"weight_map\":{\"\(name)\":\"a.safetensors\",\"x\":\"b.safetensors\"}}")
        #expect(
            throws: SafeTensorsError.duplicateTensor(
                name: name, files: [dir + "/a.safetensors", dir + "/b.safetensors"])
        ) {
            try Checkpoint.open(dir)
        }
    }

    @Test func totalSizeChecked() throws {
        let (dir, store) = try Self.make()
        defer { Fixture.cleanup((dir as NSString).deletingLastPathComponent) }
        let total = store.tensors.reduce(0) { $0 + $1.byteCount }
        var text = String(decoding: Fixture.read(Self.index(dir)), as: UTF8.self)
        text = text.replacingOccurrences(
            of: "\"total_size\": \(total)", with: "\"total_size\": \(total + 1)")
        Self.setIndex(dir, text)
        #expect(
            throws: SafeTensorsError.invalidIndex(
                file: Self.index(dir),
                reason: "metadata.total_size is \(total + 1) but the tensors hold \(total) bytes")
        ) {
            try Checkpoint.open(dir)
        }
    }

    @Test func shardNameMustBeAFileName() throws {
        let dir = Fixture.tempDir("bad")
        defer { Fixture.cleanup(dir) }
        Self.setIndex(dir, #"{"weight_map":{"a":"../x.safetensors"}}"#)
        #expect(
            throws: SafeTensorsError.invalidIndex(
                file: Self.index(dir), reason: "shard '../x.safetensors' of 'a' is not a file name")
        ) {
            try Checkpoint.open(dir)
        }
    }

    @Test func zstdShardsRoundTrip() throws {
        let dir = Fixture.tempDir("zs")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 6, elements: 40)
        let w = try Fixture.writeCheckpoint(
            store, to: dir + "/c", shardSize: 330, compressShards: true)
        #expect(w.writtenFiles.contains(dir + "/c/model-00001-of-00003.safetensors.zst"))
        #expect(try Fixture.sameTensors(store, try Checkpoint.open(dir + "/c")))
    }
}
