import Foundation
import Testing

@testable import SafeTensors
@testable import mergetool

#if canImport(Glibc)
    import Glibc
#endif

/// The built binary, run as a user would: refused outputs, odd paths, file-size limits, a full
/// disk, kills at every stage of a write and SIGTERM.
enum Binary {
    /// `.build/debug/mergetool` of this package.
    static let path: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/mergetool").path
    }()

    static var exists: Bool { FileManager.default.isExecutableFile(atPath: path) }

    struct Result {
        var status: Int32
        var signalled: Bool
        var stdout: String
        var stderr: String
        var errorLines: [Substring] { stderr.split(separator: "\n") }
    }

    /// Runs `sh -c SCRIPT` with `$BIN` set to the binary (so a test can `ulimit` first).
    static func shell(
        _ script: String, in dir: String, environment: [String: String] = [:],
        started: ((Int32) -> Void)? = nil
    ) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        var env = ProcessInfo.processInfo.environment
        env["BIN"] = path
        env["MERGETOOL_FAULT"] = nil
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        started?(p.processIdentifier)
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal,
            stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Runs the binary with `args` (quoted for the shell).
    static func run(
        _ args: [String], in dir: String, environment: [String: String] = [:],
        prefix: String = "", started: ((Int32) -> Void)? = nil
    ) throws -> Result {
        let quoted = args.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try shell(
            prefix + "exec \"$BIN\" " + quoted.joined(separator: " "), in: dir,
            environment: environment, started: started)
    }

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
        let dir = CLIFixture.tempDir()
        var state: UInt64 = 7
        for name in ["in.safetensors", "in2.safetensors", "base.safetensors"] {
            let s = InMemoryStore(label: name, metadata: ["format": "pt"])
            for t in 0..<4 {
                let values = (0..<25_000).map { _ in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 1000
                }
                s.set("layer.\(t).weight", shape: [25_000], floats: values, dtype: .bf16)
            }
            try CLIFixture.write(s, to: dir + "/" + name)
        }
        return dir
    }

    static func tree(_ dir: String) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for name in FileManager.default.subpaths(atPath: dir) ?? [] {
            let data = try? Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            out[name] = data.map { Array($0) } ?? []
        }
        return out
    }

    static func bytes(_ path: String) throws -> [String: [UInt8]] {
        let store = try Checkpoint.open(path)
        var out: [String: [UInt8]] = [:]
        for t in store.tensors { out[t.name] = try store.bytes(of: t.name) }
        return out
    }

    @Test(arguments: ["m", "a/", "ab"])
    func shortRelativeOutputsAreWritten(_ out: String) throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Binary.run(["convert", "in.safetensors", "-o", out, "-q"], in: dir)
        #expect(r.status == 0 && !r.signalled, "\(r.stderr)")
        #expect(try Self.bytes(dir + "/" + out) == Self.bytes(dir + "/in.safetensors"))
        // and again: the output is ours, so a rerun replaces it
        #expect(
            try Binary.run(["convert", "in2.safetensors", "-o", out, "-q"], in: dir).status == 0)
        #expect(try Self.bytes(dir + "/" + out) == Self.bytes(dir + "/in2.safetensors"))
        #expect(Binary.temporaries(in: dir).isEmpty)
    }

    @Test(arguments: [".", "..", "/", "./"])
    func dotAndRootOutputsAreOneErrorLine(_ out: String) throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sub = dir + "/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let before = Self.tree(dir)
        let r = try Binary.run(["convert", "../in.safetensors", "-o", out, "-q"], in: sub)
        #expect(r.status == 1 && !r.signalled)
        #expect(r.errorLines.count == 1 && r.stderr.hasPrefix("error: "), "\(r.stderr)")
        #expect(Self.tree(dir) == before)
    }

    @Test func foreignDirectoryIsRefusedEvenWithForce() throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(
            atPath: dir + "/victim/photos", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/victim/thesis.txt", contents: Data([1]))
        FileManager.default.createFile(atPath: dir + "/victim/photos/a.jpg", contents: Data([2]))
        let before = Self.tree(dir)
        for extra in [[], ["--force"]] {
            let r = try Binary.run(
                ["convert", "in.safetensors", "-o", "victim", "-q"] + extra, in: dir)
            #expect(r.status == 1 && r.errorLines.count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("--force") && r.stderr.contains("photos/"))
            #expect(Self.tree(dir) == before)
        }
        // the current directory, by its absolute path
        let r = try Binary.run(["convert", "in.safetensors", "-o", dir + "/", "-q"], in: dir)
        #expect(r.status == 1 && r.errorLines.count == 1, "\(r.stderr)")
        #expect(Self.tree(dir) == before)
    }

    @Test func foreignFileNeedsForce() throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
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
            #expect(try Self.bytes(dir + "/" + out) == Self.bytes(dir + "/in.safetensors"))
        }
    }

    @Test func fileSizeLimitIsOneErrorLineAndNoTemporary() throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
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
        let dir = CLIFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let r = try? Binary.shell("mount -t tmpfs -o size=64k tmpfs .", in: dir),
            r.status == 0
        else { return false }
        _ = try? Binary.shell("umount " + dir, in: "/")
        return true
    }()

    @Test(.enabled(if: canMountTmpfs, "needs root to mount a tmpfs"))
    func fullDiskIsOneErrorLineAndNoTemporary() throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
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
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let shards = out == "out" ? ["--shard-size", "60KB"] : []
        #expect(
            try Binary.run(["convert", "in.safetensors", "-o", out, "-q"], in: dir).status == 0)
        let old = try Self.bytes(dir + "/in.safetensors")
        let new = try Self.bytes(dir + "/in2.safetensors")
        let r = try Binary.run(
            ["convert", "in2.safetensors", "-o", out, "-q"] + shards, in: dir,
            environment: ["MERGETOOL_FAULT": stage.rawValue])
        let directoryStage = [.directorySync, .exchange, .removeOld].contains(stage)
        if out == "out" || !directoryStage {
            #expect(r.signalled && r.status == SIGKILL)
        }
        let now = try Self.bytes(dir + "/" + out)
        #expect(now == old || now == new)
        if r.signalled { #expect(now == (stage == .removeOld ? new : old)) }
        let again = try Binary.run(
            ["convert", "in2.safetensors", "-o", out, "-q"] + shards, in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.bytes(dir + "/" + out) == new)
        #expect(Binary.temporaries(in: dir).isEmpty)
    }

    /// SIGTERM in the middle of a write: exit 143, the temporaries removed by the signal thread.
    @Test(arguments: ["out", "out.safetensors", "front"])
    func sigtermRemovesTemporaries(_ out: String) throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
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
        defer { try? FileManager.default.removeItem(atPath: dir) }
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
        defer { try? FileManager.default.removeItem(atPath: dir) }
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
