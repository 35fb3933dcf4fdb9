import Foundation
import Testing

@testable import Reinforce

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Run files: regular-file reads (a FIFO is refused, never waited on), atomic writes with
/// readable errors, and what an existing output directory is.
@Suite struct RunFilesTests {
    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "run-files-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func fifoConfigIsRefusedNotWaitedOn() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(mkfifo(dir + "/config.json", 0o600) == 0, "mkfifo: errno \(errno)")
        try Vocabulary(tokens: ["<bos>", "<unk>", "a"]).save(to: dir + "/vocab.json")
        FileManager.default.createFile(atPath: dir + "/model.safetensors", contents: Data())
        #expect(
            throws: ReinforceError.unreadableFile(
                path: dir + "/config.json", reason: "is a FIFO, not a regular file")
        ) { _ = try PolicyCheckpoint.load(dir) }
    }

    @Test func fifoVocabularyIsRefused() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(mkfifo(dir + "/vocab.json", 0o600) == 0, "mkfifo: errno \(errno)")
        #expect(
            throws: ReinforceError.unreadableFile(
                path: dir + "/vocab.json", reason: "is a FIFO, not a regular file")
        ) { _ = try Vocabulary.load(from: dir + "/vocab.json") }
    }

    @Test func writeUnderAFileIsOneReadableLine() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/f", contents: Data("x".utf8))
        #expect {
            try Vocabulary(tokens: ["<bos>", "<unk>", "a"]).save(to: dir + "/f/vocab.json")
        } throws: { error in
            guard case ReinforceError.cannotWrite(let path, let reason) = error else {
                return false
            }
            return path == dir + "/f/vocab.json" && reason.lowercased().contains("not a directory")
                && !reason.contains("Domain") && !reason.contains("\n")
        }
        #expect(FileManager.default.contents(atPath: dir + "/f") == Data("x".utf8))
    }

    @Test func savedVocabularyRoundTripsWithoutTemporaries() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let vocabulary = try Vocabulary(tokens: ["<bos>", "<unk>", "good", "bad"])
        try vocabulary.save(to: dir + "/new/vocab.json")
        #expect(try Vocabulary.load(from: dir + "/new/vocab.json") == vocabulary)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/new") == ["vocab.json"])
    }

    @Test func runDirectoryKinds() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(RunDirectory.kind(of: dir + "/none", settings: SFTRunSettings.self) == .absent)
        #expect(RunDirectory.kind(of: dir, settings: SFTRunSettings.self) == .empty)
        let encoder = JSONEncoder()
        try encoder.encode(SFTRunSettings()).write(to: URL(fileURLWithPath: dir + "/run.json"))
        #expect(RunDirectory.kind(of: dir, settings: SFTRunSettings.self) == .previousRun)
        #expect(RunDirectory.kind(of: dir, settings: RLRunSettings.self) == .foreign(files: 1))
        FileManager.default.createFile(atPath: dir + "/file", contents: Data())
        #expect(
            RunDirectory.kind(of: dir + "/file", settings: SFTRunSettings.self) == .notDirectory)
        try #require(mkfifo(dir + "/run-fifo", 0o600) == 0)
        let fifoRun = dir + "/fifo-run"
        try FileManager.default.createDirectory(atPath: fifoRun, withIntermediateDirectories: true)
        try #require(mkfifo(fifoRun + "/run.json", 0o600) == 0)
        #expect(RunDirectory.kind(of: fifoRun, settings: SFTRunSettings.self) == .foreign(files: 1))
    }
}
