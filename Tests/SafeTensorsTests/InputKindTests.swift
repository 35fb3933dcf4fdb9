import Foundation
import TestSupport
import Testing

@testable import SafeTensors

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `Checkpoint.open` does with inputs that are not safetensors files: FIFOs (refused
/// before a blocking open) and PyTorch pickle checkpoints (named as such).
@Suite struct InputKindTests {
    /// The outcome of `Checkpoint.open(path)` run on a thread of its own. If it is still
    /// blocked after a generous wait (the FIFO bug), every FIFO is opened read-write, which lets
    /// the blocked reader's `open` return, and the result is `nil`: the test fails instead of
    /// hanging. No time is measured or asserted.
    static func openWithoutHanging(_ path: String, fifos: [String]) -> SafeTensorsError?? {
        final class Box: @unchecked Sendable {
            var error: SafeTensorsError?
            let done = DispatchSemaphore(value: 0)
        }
        let box = Box()
        Thread {
            do { _ = try Checkpoint.open(path) } catch { box.error = error as? SafeTensorsError }
            box.done.signal()
        }.start()
        if box.done.wait(timeout: .now() + 120) == .success { return .some(box.error) }
        let fds = fifos.map { open($0, O_RDWR | O_NONBLOCK) }
        box.done.wait()
        for fd in fds where fd >= 0 { close(fd) }
        return nil
    }

    static func mkfifoOrFail(_ path: String) throws {
        try #require(mkfifo(path, 0o600) == 0, "mkfifo \(path): errno \(errno)")
    }

    @Test func fifoGivenAsCheckpointIsRefused() throws {
        let dir = Fixture.tempDir("fifo")
        defer { Fixture.cleanup(dir) }
        let fifo = (dir as NSString).appendingPathComponent("model.safetensors")
        try Self.mkfifoOrFail(fifo)
        let outcome = try #require(
            Self.openWithoutHanging(fifo, fifos: [fifo]), "Checkpoint.open blocked on a FIFO")
        #expect(outcome == .notRegularFile(path: fifo, kind: "a FIFO"))
        #expect(outcome?.description == "\(fifo): is a FIFO, not a regular file")
    }

    @Test func fifoInsideADirectoryIsRefused() throws {
        let dir = Fixture.tempDir("fifo")
        defer { Fixture.cleanup(dir) }
        let fifo = (dir as NSString).appendingPathComponent("model.safetensors")
        try Self.mkfifoOrFail(fifo)
        let outcome = try #require(
            Self.openWithoutHanging(dir, fifos: [fifo]), "Checkpoint.open blocked on a FIFO")
        #expect(outcome == .notRegularFile(path: fifo, kind: "a FIFO"))
    }

    @Test func fifoShardOfAShardedCheckpointIsRefused() throws {
        let dir = Fixture.tempDir("fifo")
        defer { Fixture.cleanup(dir) }
        let out = (dir as NSString).appendingPathComponent("ckpt")
        try Fixture.writeCheckpoint(
            Fixture.sampleStore(count: 4, elements: 64), to: out, shardSize: 100)
        let shards = try FileManager.default.contentsOfDirectory(atPath: out)
            .filter { $0.hasSuffix(".safetensors") }.sorted()
        try #require(shards.count >= 2)
        let index = (out as NSString).appendingPathComponent(Checkpoint.indexName)
        let fifo = ((index as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent(shards[1])
        try FileManager.default.removeItem(atPath: fifo)
        try Self.mkfifoOrFail(fifo)
        let outcome = try #require(
            Self.openWithoutHanging(out, fifos: [fifo]), "Checkpoint.open blocked on a FIFO shard")
        #expect(outcome == .notRegularFile(path: fifo, kind: "a FIFO"))
    }

    @Test func fifoZstdFileIsRefused() throws {
        let dir = Fixture.tempDir("fifo")
        defer { Fixture.cleanup(dir) }
        let fifo = (dir as NSString).appendingPathComponent("model.safetensors.zst")
        try Self.mkfifoOrFail(fifo)
        let outcome = try #require(
            Self.openWithoutHanging(fifo, fifos: [fifo]), "Checkpoint.open blocked on a FIFO")
        #expect(outcome == .notRegularFile(path: fifo, kind: "a FIFO"))
    }

    @Test func symlinkToARegularFileStillOpens() throws {
        let dir = Fixture.tempDir("link")
        defer { Fixture.cleanup(dir) }
        let file = (dir as NSString).appendingPathComponent("real.safetensors")
        let link = (dir as NSString).appendingPathComponent("model.safetensors")
        try Fixture.writeCheckpoint(Fixture.sampleStore(), to: file)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        let store = try Checkpoint.open(link)
        #expect(store.tensors.count == Fixture.sampleStore().tensors.count)
    }

    // MARK: PyTorch pickle checkpoints

    /// The first bytes of a `torch.save` zip (local file header of `archive/data.pkl`).
    static let zipBytes: [UInt8] =
        Array("PK\u{3}\u{4}".utf8) + [0, 0, 8, 0]
        + Array(
            repeating: 0, count: 22) + Array("archive/data.pkl".utf8)
        + Array(repeating: 7, count: 64)
    /// A legacy pickle (protocol 2: 0x80 0x02, then the magic number as a long).
    static let legacyPickle: [UInt8] =
        [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]
        + Array(repeating: 0x2e, count: 40)
    /// Protocol 4 starts with a FRAME opcode.
    static let pickle4: [UInt8] = [0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x2e]

    @Test(arguments: [("zip", zipBytes), ("legacy", legacyPickle), ("p4", pickle4)])
    func pickleFileIsNamed(_ kind: String, _ bytes: [UInt8]) throws {
        let dir = Fixture.tempDir("pickle")
        defer { Fixture.cleanup(dir) }
        let path = (dir as NSString).appendingPathComponent("\(kind).bin")
        Fixture.write(bytes, to: path)
        #expect(throws: SafeTensorsError.pickleCheckpoint(path: path)) {
            try Checkpoint.open(path)
        }
        let message = SafeTensorsError.pickleCheckpoint(path: path).description
        #expect(message.contains("this is a PyTorch pickle checkpoint, not safetensors"))
    }

    @Test func directoryWithOnlyPytorchModelBinIsNamed() throws {
        let dir = Fixture.tempDir("pickle")
        defer { Fixture.cleanup(dir) }
        let bin = (dir as NSString).appendingPathComponent("pytorch_model.bin")
        Fixture.write(Self.zipBytes, to: bin)
        Fixture.write(Array("{}".utf8), to: (dir as NSString).appendingPathComponent("config.json"))
        #expect(throws: SafeTensorsError.pickleCheckpoint(path: bin)) { try Checkpoint.open(dir) }
    }

    /// A valid file whose 640-byte header makes it start with 0x80 0x02 is still safetensors.
    @Test func headerOf640BytesIsNotMistakenForAPickle() throws {
        let json = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let padded = json + String(repeating: " ", count: 640 - json.utf8.count)
        let bytes = Fixture.safetensors(header: padded, dataBytes: 8)
        #expect(bytes[0] == 0x80 && bytes[1] == 0x02)
        let dir = Fixture.tempDir("pickle")
        defer { Fixture.cleanup(dir) }
        let path = (dir as NSString).appendingPathComponent("model.safetensors")
        Fixture.write(bytes, to: path)
        #expect(try Checkpoint.open(path).tensors.map(\.name) == ["w"])
        // and a broken one with that prefix keeps its real error
        Fixture.write(Array(bytes.prefix(600)), to: path)
        #expect(throws: SafeTensorsError.headerOutOfBounds(file: path, length: 640, fileSize: 600))
        {
            try Checkpoint.open(path)
        }
    }
}
