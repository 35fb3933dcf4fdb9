import CSafeTensors
import Foundation
import TestSupport
import Testing

@testable import SafeTensors

/// `AtomicFile`'s direct writes (O_DIRECT, aligned full buffers; plain writes from the first
/// unaligned tail or in-kernel copy on): whatever the mix of piece sizes, the committed file
/// holds exactly the bytes written, in order.
@Suite struct DirectWriteTests {
    /// Whether files in a fresh temporary directory take O_DIRECT (ext4, xfs, tmpfs ≥ 6.6).
    static let directIOWorks: Bool = {
        let dir = Fixture.tempDir("direct-probe")
        defer { Fixture.cleanup(dir) }
        let fd = open(dir + "/probe", O_CREAT | O_WRONLY, 0o644)
        defer { close(fd) }
        return fd >= 0 && mt_set_direct_io(fd, 1) == 0
    }()

    /// Pieces of assorted sizes: single bytes, pieces crossing the buffer's end, pieces larger
    /// than the buffer, and an unaligned last piece.
    static func pieces(seed: UInt64, buffer: Int) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        let sizes = [1, 3, buffer - 5, 7, 3 * buffer + 11, 4096, 1, buffer, 2 * buffer - 1, 999]
        return sizes.map { n in (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
    }

    @Test(.enabled(if: directIOWorks)) func directWritesKeepEveryByteInOrder() throws {
        let dir = Fixture.tempDir("direct")
        defer { Fixture.cleanup(dir) }
        let buffer = 16384
        let parts = Self.pieces(seed: 5, buffer: buffer)
        let file = try AtomicFile(path: dir + "/out.bin", bufferSize: buffer)
        for p in parts { try p.withUnsafeBytes { try file.write($0) } }
        try file.commit()
        #expect(Fixture.read(dir + "/out.bin") == parts.flatMap { $0 })
        #expect(file.bytesWrittenDirectly > 0)
        #expect(file.bytesWrittenDirectly % AtomicFile.directBlock == 0)
    }

    /// An in-kernel copy in the middle ends direct writing; what follows is written plainly
    /// after it, and the file is still the exact concatenation.
    @Test(.enabled(if: directIOWorks)) func aCopyInTheMiddleEndsDirectWrites() throws {
        let dir = Fixture.tempDir("direct-copy")
        defer { Fixture.cleanup(dir) }
        let source = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(source).write(to: URL(fileURLWithPath: dir + "/src.bin"))
        let buffer = 8192
        let parts = Self.pieces(seed: 9, buffer: buffer)
        let file = try AtomicFile(path: dir + "/out.bin", bufferSize: buffer)
        for p in parts.prefix(5) { try p.withUnsafeBytes { try file.write($0) } }
        let directBefore = file.bytesWrittenDirectly
        let copied = try file.appendFileRange(source: dir + "/src.bin", offset: 123, count: 40_000)
        for p in parts.dropFirst(5) { try p.withUnsafeBytes { try file.write($0) } }
        try file.commit()
        let expected =
            parts.prefix(5).flatMap { $0 } + (copied ? Array(source[123..<40_123]) : [])
            + parts.dropFirst(5).flatMap { $0 }
        #expect(copied)
        #expect(Fixture.read(dir + "/out.bin") == expected)
        #expect(directBefore > 0)
        #expect(file.bytesWrittenDirectly == directBefore)
    }
}
