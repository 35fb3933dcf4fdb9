import Foundation
import TestSupport
import Testing

@testable import SafeTensors

@Suite struct CheckpointTests {
    @Test(arguments: ["a.safetensors", "a.safetensors.zst", "dir", "dir.zst-shards"])
    func roundTripEveryLayout(_ name: String) throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 7, elements: 33)
        let path = dir + "/" + name
        let w = try Fixture.writeCheckpoint(
            store, to: path, shardSize: name.hasPrefix("dir") ? 100 : nil,
            compressShards: name.hasSuffix("zst-shards"))
        let back = try Checkpoint.open(path)
        #expect(try Fixture.sameTensors(store, back))
        #expect(back.metadata == store.metadata)
        #expect(w.writtenFiles.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        if name.hasPrefix("dir") {
            #expect(back is ShardedCheckpoint)
            #expect(w.writtenFiles.count > 2)
        }
    }

    @Test(.enabled(if: hasZstdCLI, "zstd CLI not installed (make deps installs it)"))
    func zstdOutputDecompressesToThePlainFile() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 9, elements: 5000)
        try Fixture.writeCheckpoint(store, to: dir + "/p.safetensors")
        try Fixture.writeCheckpoint(store, to: dir + "/c.safetensors.zst")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Tools.zstd))
        p.arguments = ["-q", "-d", dir + "/c.safetensors.zst", "-o", dir + "/d.safetensors"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(Fixture.read(dir + "/d.safetensors") == Fixture.read(dir + "/p.safetensors"))
    }

    @Test(.enabled(if: hasZstdCLI, "zstd CLI not installed (make deps installs it)"))
    func readsZstdCliOutputWithoutRecordedSize() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 5, elements: 300)
        try Fixture.writeCheckpoint(store, to: dir + "/p.safetensors")
        // From a pipe, the zstd CLI cannot record the content size in the frame header.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = [
            "-c", "cat '\(dir)/p.safetensors' | zstd -q -c > '\(dir)/q.safetensors.zst'",
        ]
        try p.run()
        p.waitUntilExit()
        let back = try Checkpoint.open(dir + "/q.safetensors.zst")
        #expect(try Fixture.sameTensors(store, back))
    }

    @Test func zstdRandomOrderAndRereadsAreCorrect() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 12, elements: 70_000)
        try Fixture.writeCheckpoint(store, to: dir + "/c.safetensors.zst")
        let z = try ZstdStore(path: dir + "/c.safetensors.zst", cacheBytes: 100_000)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            let t = store.tensors.randomElement(using: &rng)!
            let a = Int.random(in: 0..<t.byteCount, using: &rng)
            let b = Int.random(in: a...t.byteCount, using: &rng)
            let got = try z.withBytes(of: t.name, in: a..<b) { Array($0) }
            #expect(got == Array(try store.bytes(of: t.name)[a..<b]))
        }
    }

    @Test func directoryWithOneSafetensorsFileOpens() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore()
        try Fixture.writeCheckpoint(store, to: dir + "/weights.safetensors")
        #expect(try Fixture.sameTensors(store, try Checkpoint.open(dir)))
        try Fixture.writeCheckpoint(store, to: dir + "/other.safetensors")
        #expect(throws: SafeTensorsError.self) { try Checkpoint.open(dir) }
    }

    @Test func emptyDirectoryIsNotACheckpoint() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        #expect(
            throws: SafeTensorsError.notACheckpoint(
                path: dir,
                reason:
                    "no model.safetensors, model.safetensors.index.json or *.safetensors[.zst] file"
            )
        ) {
            try Checkpoint.open(dir)
        }
    }
}

@Suite struct ZstdStreamingTests {
    /// In-order chunked reads never restart the stream and keep the window small; a second
    /// pass over the last tensor (inside the cache) does not restart either; going back to
    /// the first tensor (outside the cache) restarts once.
    @Test func inOrderReadsStreamOnce() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = InMemoryStore()
        for i in 0..<8 {
            let info = TensorInfo(name: "t\(i)", dtype: .u8, shape: [3_000_000])
            store.set(
                info, bytes: (0..<info.byteCount).map { UInt8(truncatingIfNeeded: $0 / 1000 + i) })
        }
        try Fixture.writeCheckpoint(store, to: dir + "/c.safetensors.zst")
        let z = try ZstdStore(path: dir + "/c.safetensors.zst", cacheBytes: 4 << 20)
        for t in z.tensors {
            var start = 0
            while start < t.byteCount {
                let end = min(t.byteCount, start + (1 << 20))
                let ok = try z.withBytes(of: t.name, in: start..<end) {
                    Array($0) == Array(try store.bytes(of: t.name)[start..<end])
                }
                #expect(ok)
                start = end
            }
        }
        #expect(z.streamStats.restarts == 0)
        #expect(z.streamStats.windowBytes <= 16 << 20)  // not the 24 MB file
        #expect(try z.bytes(of: "t7") == store.bytes(of: "t7"))
        #expect(z.streamStats.restarts == 0)
        #expect(try z.bytes(of: "t0") == store.bytes(of: "t0"))
        #expect(z.streamStats.restarts == 1)
    }
}

@Suite struct ZstdFrameWalkTests {
    @Test func sizesSingleConcatenatedAndTruncatedStreams() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 6, elements: 50_000)
        try Fixture.writeCheckpoint(store, to: dir + "/p.safetensors")
        try Fixture.writeCheckpoint(store, to: dir + "/c.safetensors.zst")
        let plain = Fixture.read(dir + "/p.safetensors").count
        #expect(try ZstdFrameWalk.contentSize(path: dir + "/c.safetensors.zst") == plain)
        // Two frames back to back: sizes add up.
        let z = Fixture.read(dir + "/c.safetensors.zst")
        Fixture.write(z + z, to: dir + "/two.zst")
        #expect(try ZstdFrameWalk.contentSize(path: dir + "/two.zst") == 2 * plain)
        // Truncated: an error naming the file, from the walk and from open.
        Fixture.write(Array(z.dropLast(100)), to: dir + "/t.safetensors.zst")
        #expect(
            throws: SafeTensorsError.zstd(
                file: dir + "/t.safetensors.zst", message: "truncated stream")
        ) {
            try ZstdFrameWalk.contentSize(path: dir + "/t.safetensors.zst")
        }
        #expect(throws: SafeTensorsError.self) { try Checkpoint.open(dir + "/t.safetensors.zst") }
        Fixture.write(Array("not zstd".utf8), to: dir + "/n.safetensors.zst")
        #expect(
            throws: SafeTensorsError.zstd(
                file: dir + "/n.safetensors.zst", message: "not a zstd frame at byte 0")
        ) {
            try Checkpoint.open(dir + "/n.safetensors.zst")
        }
    }
}
