import Foundation
import TestSupport
import Testing

@testable import SafeTensors

/// The store seam: how each store may be read, its tensor handles, and reopening.
@Suite struct TensorStoreTests {
    @Test func accessIsDeclaredByEveryStore() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 6, elements: 300)
        try Fixture.writeCheckpoint(store, to: dir + "/plain.safetensors")
        try Fixture.writeCheckpoint(store, to: dir + "/z.safetensors.zst")
        try Fixture.writeCheckpoint(store, to: dir + "/sharded", shardSize: 700)
        try Fixture.writeCheckpoint(
            store, to: dir + "/zsharded", shardSize: 700, compressShards: true)

        #expect(store.access == .randomAccess)
        #expect(try Checkpoint.open(dir + "/plain.safetensors").access == .randomAccess)
        #expect(try Checkpoint.open(dir + "/z.safetensors.zst").access == .forwardStream)
        #expect(try Checkpoint.open(dir + "/sharded").access == .randomAccess)
        #expect(try Checkpoint.open(dir + "/zsharded").access == .forwardStream)
    }

    @Test func handlesNameTheirFileAndByteRange() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 6, elements: 300)
        try Fixture.writeCheckpoint(store, to: dir + "/sharded", shardSize: 700)
        let sharded = try Checkpoint.open(dir + "/sharded")
        for t in store.tensors {
            let h = try #require(sharded.handle(t.name))
            #expect(h.info == t)
            #expect(h.file.hasPrefix(dir + "/sharded/model-"))
            #expect(h.byteRange.count == t.byteCount)
            #expect(sharded.file(of: t.name) == h.file)
            // the handle's file and range hold exactly the tensor's bytes
            let file = Fixture.read(h.file)
            #expect(Array(file[h.byteRange]) == (try store.bytes(of: t.name)))
            let mapped = try #require(h.mappedBytes(0..<t.byteCount))
            #expect(Array(mapped) == (try store.bytes(of: t.name)))
        }
        #expect(sharded.handle("absent") == nil)
        let memory = try #require(store.handle(store.tensors[0].name))
        #expect(memory.mapping == nil && memory.file == "sample")
    }

    @Test func reopenedStreamReadsIndependently() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 8, elements: 50_000)
        try Fixture.writeCheckpoint(store, to: dir + "/z.safetensors.zst")
        let first = try ZstdStore(path: dir + "/z.safetensors.zst", cacheBytes: 100_000)
        let second = try #require(try first.reopen() as? ZstdStore)
        #expect(second !== first)
        // interleaved forward reads of two passes: each instance keeps streaming forward
        for t in store.tensors {
            #expect(try first.bytes(of: t.name) == (try store.bytes(of: t.name)))
        }
        for t in store.tensors {
            #expect(try second.bytes(of: t.name) == (try store.bytes(of: t.name)))
        }
        #expect(first.streamStats.restarts == 0)
        #expect(second.streamStats.restarts == 0)
        let plain = Fixture.sampleStore()
        #expect(try plain.reopen() === plain)
    }
}
