import Foundation
import TestSupport
import Testing

@testable import SafeTensors
@testable import mergetool

#if canImport(Glibc)
    import Glibc
#endif

/// Refused outputs, odd paths, file-size limits, a full disk, kills at every stage of a write
/// and SIGTERM, through the built binary.
extension Binary {
    /// Our temporaries (and Foundation's) in `dir`.
    static func temporaries(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter {
            $0.contains(".tmp-") || $0.contains(".old-") || $0.contains(".nosync")
        }
    }
}

@Suite(.enabled(if: Binary.exists, "needs .build/debug/mergetool (swift build)"))
struct OutputSafetyCommandTests {
    /// A directory holding `in.safetensors`, `in2.safetensors` and `base.safetensors` (about
    /// 200 KB each of pseudo-random bf16, so zstd cannot shrink them much).
    static func fixture() throws -> String {
        let dir = Fixture.tempDir("cli")
        var rng = SplitMix64(seed: 7)
        for name in ["in.safetensors", "in2.safetensors", "base.safetensors"] {
            let s = Fixture.randomBF16Store(label: name, tensors: 4, elements: 25_000, rng: &rng)
            try Fixture.writeCheckpoint(s, to: dir + "/" + name)
        }
        return dir
    }

    @Test(arguments: ["m", "a/", "ab"])
    func shortRelativeOutputsAreWritten(_ out: String) throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        let r = try Binary.run(["convert", "in.safetensors", "-o", out, "-q"], in: dir)
        #expect(r.status == 0 && !r.signalled, "\(r.stderr)")
        #expect(
            try Fixture.tensorBytes(dir + "/" + out) == Fixture.tensorBytes(dir + "/in.safetensors")
        )
        // and again: the output is ours, so a rerun replaces it
        #expect(
            try Binary.run(["convert", "in2.safetensors", "-o", out, "-q"], in: dir).status == 0)
        #expect(
            try Fixture.tensorBytes(dir + "/" + out)
                == Fixture.tensorBytes(dir + "/in2.safetensors"))
        #expect(Binary.temporaries(in: dir).isEmpty)
    }

    @Test(arguments: [".", "..", "/", "./"])
    func dotAndRootOutputsAreOneErrorLine(_ out: String) throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        let sub = dir + "/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let before = Fixture.tree(dir)
        let r = try Binary.run(["convert", "../in.safetensors", "-o", out, "-q"], in: sub)
        #expect(r.status == 1 && !r.signalled)
        #expect(r.errorLines.count == 1 && r.stderr.hasPrefix("error: "), "\(r.stderr)")
        #expect(Fixture.tree(dir) == before)
    }

    @Test func foreignDirectoryIsRefusedEvenWithForce() throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        try FileManager.default.createDirectory(
            atPath: dir + "/victim/photos", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/victim/thesis.txt", contents: Data([1]))
        FileManager.default.createFile(atPath: dir + "/victim/photos/a.jpg", contents: Data([2]))
        let before = Fixture.tree(dir)
        for extra in [[], ["--force"]] {
            let r = try Binary.run(
                ["convert", "in.safetensors", "-o", "victim", "-q"] + extra, in: dir)
            #expect(r.status == 1 && r.errorLines.count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("--force") && r.stderr.contains("photos/"))
            #expect(Fixture.tree(dir) == before)
        }
        // the current directory, by its absolute path
        let r = try Binary.run(["convert", "in.safetensors", "-o", dir + "/", "-q"], in: dir)
        #expect(r.status == 1 && r.errorLines.count == 1, "\(r.stderr)")
        #expect(Fixture.tree(dir) == before)
    }

    @Test func foreignFileNeedsForce() throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("hi".utf8))
        FileManager.default.createFile(atPath: dir + "/x.safetensors", contents: Data("hi".utf8))
        for out in ["notes.txt", "x.safetensors"] {
            let r = try Binary.run(["convert", "in.safetensors", "-o", out, "-q"], in: dir)
            #expect(r.status == 1 && r.errorLines.count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("pass --force to replace it"))
            #expect(FileManager.default.contents(atPath: dir + "/" + out) == Data("hi".utf8))
            let forced = try Binary.run(
                ["convert", "in.safetensors", "-o", out, "-q", "--force"], in: dir)
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(
                try Fixture.tensorBytes(dir + "/" + out)
                    == Fixture.tensorBytes(dir + "/in.safetensors"))
        }
    }

    @Test func fileSizeLimitIsOneErrorLineAndNoTemporary() throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        for (out, extra) in [("o.safetensors", []), ("odir", ["--zstd"]), ("p/q/o", [])] {
            let r = try Binary.run(
                ["convert", "in.safetensors", "-o", out, "-q"] + extra, in: dir,
                prefix: "ulimit -f 40; ")
            #expect(r.status == 1 && !r.signalled, "\(r.stderr)")
            #expect(r.errorLines.count == 1 && r.stderr.contains("File too large"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/" + out))
            #expect(!FileManager.default.fileExists(atPath: dir + "/p"))  // created, removed
            #expect(Binary.temporaries(in: dir).isEmpty)
        }
    }

    /// Whether a tmpfs can be mounted here (root in a system that allows it), tried once.
    static let canMountTmpfs: Bool = {
        guard geteuid() == 0, Binary.exists else { return false }
        let dir = Fixture.tempDir("cli")
        defer { Fixture.cleanup(dir) }
        guard let r = try? Binary.shell("mount -t tmpfs -o size=64k tmpfs .", in: dir),
            r.status == 0
        else { return false }
        _ = try? Binary.shell("umount " + dir, in: "/")
        return true
    }()

    @Test(.enabled(if: canMountTmpfs, "needs root to mount a tmpfs"))
    func fullDiskIsOneErrorLineAndNoTemporary() throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        let disk = dir + "/disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mounted = try Binary.shell("mount -t tmpfs -o size=64k tmpfs disk", in: dir)
        try #require(mounted.status == 0, "mount failed: \(mounted.stderr)")
        defer { _ = try? Binary.shell("umount disk", in: dir) }
        for out in ["disk/o.safetensors", "disk/odir"] {
            let r = try Binary.run(["convert", "in.safetensors", "-o", out, "-q"], in: dir)
            #expect(r.status == 1 && r.errorLines.count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("No space left on device"), "\(r.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: disk).isEmpty)
        }
    }

    /// A real SIGKILL at every stage of replacing an output: the old or the new output at the
    /// final path, and the next run leaves no temporary behind.
    @Test(arguments: WriteStage.allCases, ["out", "out.safetensors"])
    func killAtEveryStageLeavesOldOrNew(_ stage: WriteStage, _ out: String) throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        let shards = out == "out" ? ["--shard-size", "60KB"] : []
        #expect(
            try Binary.run(["convert", "in.safetensors", "-o", out, "-q"], in: dir).status == 0)
        let old = try Fixture.tensorBytes(dir + "/in.safetensors")
        let new = try Fixture.tensorBytes(dir + "/in2.safetensors")
        let r = try Binary.run(
            ["convert", "in2.safetensors", "-o", out, "-q"] + shards, in: dir,
            environment: ["MERGETOOL_FAULT": stage.rawValue])
        let directoryStage = [.directorySync, .exchange, .removeOld].contains(stage)
        if out == "out" || !directoryStage {
            #expect(r.signalled && r.status == SIGKILL)
        }
        let now = try Fixture.tensorBytes(dir + "/" + out)
        #expect(now == old || now == new)
        if r.signalled { #expect(now == (stage == .removeOld ? new : old)) }
        let again = try Binary.run(
            ["convert", "in2.safetensors", "-o", out, "-q"] + shards, in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Fixture.tensorBytes(dir + "/" + out) == new)
        #expect(Binary.temporaries(in: dir).isEmpty)
    }

    /// SIGTERM in the middle of a write: exit 143, the temporaries removed by the signal thread.
    @Test(arguments: ["out", "out.safetensors", "front"])
    func sigtermRemovesTemporaries(_ out: String) throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        let args =
            out == "front"
            ? [
                "slerp", "in.safetensors", "in2.safetensors", "--init", "base.safetensors",
                "--eta", "0.5,1", "-o", out, "-q",
            ]
            : ["convert", "in.safetensors", "-o", out, "-q"]
        let r = try Binary.run(args, in: dir, environment: ["MERGETOOL_FAULT": "data:2:stop"]) {
            pid in
            // wait until the writer has stopped itself at the fault point, then signal it
            for _ in 0..<6000 where Self.state(of: pid) != "T" { usleep(10_000) }
            kill(pid, SIGTERM)
            kill(pid, SIGCONT)
        }
        #expect(r.status == 143 && !r.signalled, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/" + out))
        #expect(Binary.temporaries(in: dir).isEmpty)
    }

    /// The state letter of `/proc/<pid>/stat` ("T" when stopped).
    static func state(of pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ").first.map(String.init)
    }

    @Test func frontIsOneStagedDirectory() throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        let args = [
            "slerp", "in.safetensors", "in2.safetensors", "--init", "base.safetensors",
            "--eta", "0.5,1", "-q",
        ]
        // killed while writing: nothing at the final path
        let killed = try Binary.run(
            args + ["-o", "front"], in: dir, environment: ["MERGETOOL_FAULT": "data:3"])
        #expect(killed.signalled)
        #expect(!FileManager.default.fileExists(atPath: dir + "/front"))
        for _ in 0..<2 {
            let r = try Binary.run(args + ["-o", "front"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/front")
            #expect(Set(names) == ["eta-0.5", "eta-1"])
        }
        #expect(Binary.temporaries(in: dir).isEmpty)
        FileManager.default.createFile(atPath: dir + "/front/eta-1/thesis.txt", contents: Data())
        let refused = try Binary.run(args + ["-o", "front", "--force"], in: dir)
        #expect(refused.status == 1 && refused.stderr.contains("thesis.txt"))
    }

    @Test func anglesPlotIsWrittenThroughAtomicFile() throws {
        let dir = try Self.fixture()
        defer { Fixture.cleanup(dir) }
        let r = try Binary.run(
            [
                "angles", "in.safetensors", "in2.safetensors", "--init", "base.safetensors",
                "--plot", "figs/a.svg",
            ], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let svg = try String(contentsOfFile: dir + "/figs/a.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(Binary.temporaries(in: dir + "/figs").isEmpty)
    }
}
