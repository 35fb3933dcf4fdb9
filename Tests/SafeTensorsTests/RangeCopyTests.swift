import Foundation
import TestSupport
import Testing

@testable import SafeTensors

/// Byte copies of whole files: tensors contiguous in one source file go out as one in-kernel
/// copy (counted by an injected `CopyCounter`), and the bytes are exactly the input's.
@Suite struct RangeCopyTests {
    /// The data section of a safetensors file image (after the length prefix and header).
    static func dataSection(_ path: String) -> [UInt8] {
        let bytes = Fixture.read(path)
        let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return Array(bytes[(8 + n)...])
    }

    /// Copies every tensor of `src` (in `order`) into `out` with a counter.
    static func copy(
        _ src: any TensorStore, order: [TensorInfo]? = nil, to out: String, shardSize: Int? = nil
    ) throws -> CopyCounter {
        let counter = CopyCounter()
        let tensors = order ?? src.tensors
        let w = try CheckpointWriter(
            path: out, tensors: tensors, metadata: [("rewritten", "header")],
            shardSize: shardSize, copyCounter: counter)
        for t in tensors { try w.copy(t.name, from: src) }
        try w.finish()
        return counter
    }

    @Test func oneFileIsOneCopyOfItsDataSection() throws {
        let dir = Fixture.tempDir("range")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 12, elements: 1000)
        try Fixture.writeCheckpoint(store, to: dir + "/in.safetensors")
        let src = try Checkpoint.open(dir + "/in.safetensors")
        let counter = try Self.copy(src, to: dir + "/out.safetensors")
        let data = Self.dataSection(dir + "/in.safetensors")
        #expect(counter.calls == 1)
        #expect(counter.bytes == data.count)
        #expect(Self.dataSection(dir + "/out.safetensors") == data)
        #expect(try Fixture.sameTensors(store, try Checkpoint.open(dir + "/out.safetensors")))
    }

    /// A sharded input into one file: one copy per input shard.
    @Test func shardedInputIsOneCopyPerShard() throws {
        let dir = Fixture.tempDir("range")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 12, elements: 1000)
        let shards = try Fixture.writeCheckpoint(store, to: dir + "/in", shardSize: 20_000)
            .writtenFiles.filter { $0.hasSuffix(".safetensors") }.count
        #expect(shards > 1)
        let src = try Checkpoint.open(dir + "/in")
        let counter = try Self.copy(src, to: dir + "/out.safetensors")
        #expect(counter.calls == shards)
        #expect(try Fixture.sameTensors(store, try Checkpoint.open(dir + "/out.safetensors")))
    }

    /// Another order: no two neighbours are adjacent in the source, so one copy per tensor,
    /// and still the same bytes.
    @Test func reorderedTensorsAreCopiedOneByOne() throws {
        let dir = Fixture.tempDir("range")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 6, elements: 500)
        try Fixture.writeCheckpoint(store, to: dir + "/in.safetensors")
        let src = try Checkpoint.open(dir + "/in.safetensors")
        let order = Array(src.tensors.reversed())
        let counter = try Self.copy(src, order: order, to: dir + "/out.safetensors")
        #expect(counter.calls == 6)
        let out = try Checkpoint.open(dir + "/out.safetensors")
        for t in order { #expect(try out.bytes(of: t.name) == store.bytes(of: t.name)) }
    }

    /// An append between copies ends the run: copies before and after it, bytes in order.
    @Test func appendBetweenCopiesSplitsTheRun() throws {
        let dir = Fixture.tempDir("range")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 5, elements: 300)
        try Fixture.writeCheckpoint(store, to: dir + "/in.safetensors")
        let src = try Checkpoint.open(dir + "/in.safetensors")
        let counter = CopyCounter()
        let w = try CheckpointWriter(
            path: dir + "/out.safetensors", tensors: src.tensors, metadata: [],
            copyCounter: counter)
        for (k, t) in src.tensors.enumerated() {
            if k == 2 {
                try src.bytes(of: t.name).withUnsafeBytes { try w.append($0) }
            } else {
                try w.copy(t.name, from: src)
            }
        }
        try w.finish()
        #expect(counter.calls == 2)
        #expect(
            Self.dataSection(dir + "/out.safetensors") == Self.dataSection(dir + "/in.safetensors"))
    }
}
