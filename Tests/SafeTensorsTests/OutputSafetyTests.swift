import Foundation
import TestSupport
import Testing

@testable import SafeTensors

#if canImport(Glibc)
    import Glibc
#endif

/// Replacement policy, path splitting, stale temporaries and in-process fault injection.
@Suite struct OutputSafetyTests {
    static let marked: [(key: String, value: String)] = [
        ("format", "pt"), ("merge.tool", "mergetool 0.1.0"),
    ]

    /// Writes `store` at `path` with `metadata`, replacing under `policy`.
    static func write(
        _ store: InMemoryStore, to path: String,
        metadata: [(key: String, value: String)] = marked, shardSize: Int? = nil,
        replacing: OutputReplacement = .mergetoolOutput
    ) throws {
        let w = try CheckpointWriter(
            path: path, tensors: store.tensors, metadata: metadata, shardSize: shardSize,
            replacing: replacing)
        for t in store.tensors { try w.copy(t.name, from: store) }
        try w.finish()
    }

    /// Every entry below `dir` (relative paths), to check nothing changed.
    static func tree(_ dir: String) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        let names = FileManager.default.subpaths(atPath: dir) ?? []
        for name in names { out[name] = Fixture.read(dir + "/" + name) }
        return out
    }

    static func temporaries(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter {
            $0.contains(".tmp-") || $0.contains(".old-")
        }
    }

    @Test(arguments: [OutputReplacement.mergetoolOutput, .anyCheckpoint])
    func directoryHoldingOtherFilesIsNeverReplaced(_ policy: OutputReplacement) throws {
        let dir = Fixture.tempDir("victim")
        defer { Fixture.cleanup(dir) }
        let victim = dir + "/victim"
        try FileManager.default.createDirectory(
            atPath: victim + "/photos", withIntermediateDirectories: true)
        Fixture.write(Array("my thesis".utf8), to: victim + "/thesis.txt")
        Fixture.write([1, 2, 3], to: victim + "/photos/a.jpg")
        let before = Self.tree(victim)
        #expect(throws: SafeTensorsError.outputHoldsOtherFiles(path: victim, entry: "photos/")) {
            try Self.write(Fixture.sampleStore(), to: victim, replacing: policy)
        }
        #expect(Self.tree(victim) == before)
        #expect(Self.temporaries(in: dir).isEmpty)
    }

    @Test func checkpointDirectoryWithAStrayFileIsNeverReplaced() throws {
        let dir = Fixture.tempDir("stray")
        defer { Fixture.cleanup(dir) }
        try Self.write(Fixture.sampleStore(), to: dir + "/out")
        Fixture.write(Array("notes".utf8), to: dir + "/out/thesis.txt")
        #expect(
            throws: SafeTensorsError.outputHoldsOtherFiles(path: dir + "/out", entry: "thesis.txt")
        ) {
            try Self.write(
                Fixture.sampleStore(count: 2), to: dir + "/out", replacing: .anyCheckpoint)
        }
        #expect(Fixture.read(dir + "/out/thesis.txt") == Array("notes".utf8))
    }

    @Test(arguments: ["out", "out.safetensors", "out.safetensors.zst"])
    func unmarkedOutputNeedsForce(_ name: String) throws {
        let dir = Fixture.tempDir("unmarked")
        defer { Fixture.cleanup(dir) }
        let path = dir + "/" + name
        try Self.write(Fixture.sampleStore(count: 2), to: path, metadata: [("format", "pt")])
        let before = Self.tree(dir)
        #expect(throws: SafeTensorsError.outputExists(path: path)) {
            try Self.write(Fixture.sampleStore(count: 5), to: path)
        }
        #expect(Self.tree(dir) == before)
        try Self.write(Fixture.sampleStore(count: 5), to: path, replacing: .anyCheckpoint)
        #expect(try Fixture.sameTensors(Fixture.sampleStore(count: 5), Checkpoint.open(path)))
        #expect(Self.temporaries(in: dir).isEmpty)
    }

    @Test(arguments: ["out", "out.safetensors", "out.safetensors.zst"])
    func markedOutputIsReplaced(_ name: String) throws {
        let dir = Fixture.tempDir("marked")
        defer { Fixture.cleanup(dir) }
        let path = dir + "/" + name
        try Self.write(Fixture.sampleStore(count: 2), to: path, shardSize: name == "out" ? 30 : nil)
        try Self.write(Fixture.sampleStore(count: 5), to: path)
        #expect(try Fixture.sameTensors(Fixture.sampleStore(count: 5), Checkpoint.open(path)))
        #expect(Self.temporaries(in: dir).isEmpty)
    }

    @Test func regularFileAtADirectoryOutput() throws {
        let dir = Fixture.tempDir("notes")
        defer { Fixture.cleanup(dir) }
        let notes = dir + "/notes.txt"
        Fixture.write(Array("keep me".utf8), to: notes)
        #expect(throws: SafeTensorsError.outputExists(path: notes)) {
            try Self.write(Fixture.sampleStore(), to: notes)
        }
        #expect(Fixture.read(notes) == Array("keep me".utf8))
        try Self.write(Fixture.sampleStore(), to: notes, replacing: .anyCheckpoint)
        #expect(try Fixture.sameTensors(Fixture.sampleStore(), Checkpoint.open(notes)))
    }

    @Test func directoryAtAFileOutputIsRefused() throws {
        let dir = Fixture.tempDir("isdir")
        defer { Fixture.cleanup(dir) }
        let path = dir + "/x.safetensors"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        #expect(
            throws: SafeTensorsError.outputNotReplaceable(
                path: path, reason: "is a directory, and the output is a file")
        ) {
            try Self.write(Fixture.sampleStore(), to: path, replacing: .anyCheckpoint)
        }
    }

    @Test func copiedUnusualFilesAreListedSoARerunMayReplaceThem() throws {
        let dir = Fixture.tempDir("listed")
        defer { Fixture.cleanup(dir) }
        try Self.write(Fixture.sampleStore(), to: dir + "/src", metadata: [("format", "pt")])
        Fixture.write(Array("MIT".utf8), to: dir + "/src/LICENSE")
        Fixture.write(Array("{}".utf8), to: dir + "/src/config.json")
        let src = try Checkpoint.open(dir + "/src")
        for _ in 0..<2 {
            let w = try CheckpointWriter(
                path: dir + "/out", tensors: src.tensors, metadata: Self.marked,
                auxiliaryFrom: dir + "/src", replacing: .mergetoolOutput)
            for t in src.tensors { try w.copy(t.name, from: src) }
            try w.finish()
        }
        let metadata = try Checkpoint.open(dir + "/out").metadata
        #expect(metadata[OutputReplacement.filesKey] == #"["LICENSE"]"#)
        #expect(Fixture.read(dir + "/out/LICENSE") == Array("MIT".utf8))
    }

    @Test func missingParentsAreCreatedAndRemovedAgainOnFailure() throws {
        let dir = Fixture.tempDir("parents")
        defer { Fixture.cleanup(dir) }
        try Self.write(Fixture.sampleStore(), to: dir + "/a/b/out.safetensors")
        #expect(FileManager.default.fileExists(atPath: dir + "/a/b/out.safetensors"))
        let w = try CheckpointWriter(
            path: dir + "/c/d/out", tensors: Fixture.sampleStore().tensors, metadata: [])
        #expect(FileManager.default.fileExists(atPath: dir + "/c/d"))
        w.abort()
        #expect(!FileManager.default.fileExists(atPath: dir + "/c"))
    }

    @Test(arguments: [
        ("m", ".", "m"), ("a/", ".", "a"), ("/x", "/", "x"), ("a//b//", "a/", "b"),
        ("dir/é", "dir", "é"), ("/\u{301}x/y", "/\u{301}x", "y"),
    ])
    func splitsPathsOnBytes(_ path: String, _ dir: String, _ base: String) throws {
        let split = try OutputPath.split(path)
        #expect(split.dir == dir && split.base == base)
    }

    @Test(arguments: [".", "..", "/", "//", "a/..", "./"])
    func refusesDotAndRootOutputs(_ path: String) throws {
        #expect {
            try OutputPath.split(path)
        } throws: { error in
            guard case .outputNotReplaceable(let p, _) = error as? SafeTensorsError else {
                return false
            }
            return p == path
        }
    }

    @Test func parsesOnlyOurTemporaryNames() {
        #expect(
            StaleTemporaries.parse(".out-1.tmp-42-1234-e68a0538-AbC123")
                == .init(base: "out-1", kind: "tmp", pid: 42, start: 1234, boot: "e68a0538"))
        #expect(StaleTemporaries.parse(".m.old-7-0-0-zzzzzz")?.kind == "old")
        for name in [
            ".out.tmp-AbC123", "out.tmp-42-1-0-AbC123", ".out.tmp-42-1-0-AbC12",
            ".out.tmp-x-1-0-AbC123", ".out.new-42-1-0-AbC123", ".out.tmp-42-1-xyz-AbC123",
            "..tmp-42-1-0-AbC123", "thesis.txt",
        ] {
            #expect(StaleTemporaries.parse(name) == nil, "\(name)")
        }
    }

    /// The pid of a process that has exited.
    static func deadPid() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test func reusedAndDeadPidsAreGoneLiveOnesAreNot() throws {
        let me = getpid()
        let start = StaleTemporaries.startTime(of: me) ?? 0
        let boot = StaleTemporaries.bootID ?? "0"
        let entry = { (pid: Int32, start: UInt64) in
            StaleTemporaries.Entry(base: "o", kind: "tmp", pid: pid, start: start, boot: boot)
        }
        #expect(!StaleTemporaries.writerIsGone(entry(me, start), path: "/nonexistent"))
        #expect(
            !StaleTemporaries.writerIsGone(
                entry(1, StaleTemporaries.startTime(of: 1) ?? 0), path: "/"))
        #expect(try StaleTemporaries.writerIsGone(entry(Self.deadPid(), 5), path: "/nonexistent"))
        if StaleTemporaries.startTime(of: me) != nil {
            // same pid, other start time: the pid was reused by another process
            #expect(StaleTemporaries.writerIsGone(entry(me, start + 1), path: "/nonexistent"))
        }
    }

    @Test func nextWriterRemovesDeadWritersTemporariesOnly() throws {
        let dir = Fixture.tempDir("stale")
        defer { Fixture.cleanup(dir) }
        let dead = try Self.deadPid()
        let boot = StaleTemporaries.bootID ?? "0"
        let deadFile = ".out.safetensors.tmp-\(dead)-99-\(boot)-aaaaaa"
        let deadDir = ".other.tmp-\(dead)-99-\(boot)-bbbbbb"
        let deadAside = ".gone.old-\(dead)-99-\(boot)-cccccc"
        let live = ".out.safetensors.tmp-\(StaleTemporaries.identity)-dddddd"
        let foreign = [".out.safetensors.tmp-eeeeee", "notes.tmp-1-2-3-ffffff", "thesis.txt"]
        for name in [deadFile, live] + foreign { Fixture.write([1], to: dir + "/" + name) }
        try FileManager.default.createDirectory(
            atPath: dir + "/" + deadDir + "/inner", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: dir + "/" + deadAside, withIntermediateDirectories: true)
        Fixture.write([9], to: dir + "/" + deadAside + "/model.safetensors")

        try Self.write(Fixture.sampleStore(), to: dir + "/out.safetensors")
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(names == Set([live, "out.safetensors", "gone"] + foreign))
        // an old output moved aside by a killed writer is put back where it was
        #expect(Fixture.read(dir + "/gone/model.safetensors") == [9])
    }

    /// Each stage of a write failing in-process: the old output or the new one at the final
    /// path, never neither, and no temporary left (but the old copy when its removal failed).
    @Test(arguments: WriteStage.allCases, ["out", "out.safetensors", "out.safetensors.zst"])
    func failureAtEveryStageKeepsOldOrNew(_ stage: WriteStage, _ name: String) throws {
        let dir = Fixture.tempDir("fault")
        defer { Fixture.cleanup(dir) }
        let path = dir + "/" + name
        let old = Fixture.sampleStore(count: 2)
        let new = Fixture.sampleStore(count: 6)
        try Self.write(old, to: path, shardSize: name == "out" ? 30 : nil)
        struct Injected: Error {}
        final class Fired: @unchecked Sendable { var value = false }
        let fired = Fired()
        WriteFaults.install(under: dir) { s, _ in
            if s == stage && !fired.value {
                fired.value = true
                throw Injected()
            }
        }
        defer { WriteFaults.remove(under: dir) }
        let shards = name == "out" ? 30 : nil
        if stage == .removeOld || !Self.reached(stage, name) {
            try Self.write(new, to: path, shardSize: shards)
            #expect(try Fixture.sameTensors(new, Checkpoint.open(path)))
        } else {
            #expect(throws: Injected.self) { try Self.write(new, to: path, shardSize: shards) }
            #expect(try Fixture.sameTensors(old, Checkpoint.open(path)))
        }
        #expect(fired.value == Self.reached(stage, name))
        let left = Self.temporaries(in: dir)
        #expect(left.count == (stage == .removeOld && name == "out" ? 1 : 0))
        #expect(left.allSatisfy { StaleTemporaries.parse($0) != nil })
    }

    /// Whether writing output `name` goes through `stage`.
    static func reached(_ stage: WriteStage, _ name: String) -> Bool {
        switch stage {
        case .directorySync, .exchange, .removeOld: name == "out"
        default: true
        }
    }

    @Test(arguments: [true, false])
    func stagedDirectoryReplacesWithOrWithoutExchange(_ exchange: Bool) throws {
        let dir = Fixture.tempDir("exchange")
        defer { Fixture.cleanup(dir) }
        try Self.write(Fixture.sampleStore(count: 2), to: dir + "/out")
        let staged = try StagedDirectory(path: dir + "/out", replacing: .mergetoolOutput)
        staged.usesExchange = exchange
        Fixture.write([7], to: staged.temporaryPath + "/README.md")
        try staged.commit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/out") == ["README.md"])
    }

    @Test func ioErrorsNameTheFinalPathNotTheTemporary() throws {
        let dir = Fixture.tempDir("shown")
        defer { Fixture.cleanup(dir) }
        WriteFaults.install(under: dir) { stage, _ in
            if stage == .fileSync {
                throw SafeTensorsError.io(
                    path: dir + "/.out.tmp-1-2-3-abcdef/model.safetensors", operation: "fsync",
                    errno: EIO, message: "Input/output error")
            }
        }
        defer { WriteFaults.remove(under: dir) }
        #expect(
            throws: SafeTensorsError.io(
                path: dir + "/out/model.safetensors", operation: "fsync", errno: EIO,
                message: "Input/output error")
        ) { try Self.write(Fixture.sampleStore(), to: dir + "/out") }
    }
}
