import Foundation

/// The built `mergetool` binary, run as a user would for the end-to-end tests.
///
/// Output goes through files, not pipes: a command that leaves a child behind (a reward
/// process, a daemon) cannot hold the test open by keeping a pipe's write end.
public enum Binary {
    /// The package root, from this file's path (`Tests/TestSupport/Binary.swift`).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `.build/debug/mergetool` of this package (`swift build --build-tests` builds it).
    public static let path = packageRoot + "/.build/debug/mergetool"

    /// Whether the binary is built; end-to-end suites are `.enabled(if: Binary.exists)`.
    public static var exists: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// How a run ended and what it printed.
    public struct Result: Sendable {
        public var status: Int32
        public var signalled: Bool
        public var stdout: String
        public var stderr: String
        /// The non-empty lines of stderr.
        public var errorLines: [Substring] { stderr.split(separator: "\n") }
    }

    /// Runs `sh -c SCRIPT` in `dir` with `$BIN` set to the binary (so a test can `ulimit`
    /// first) and `MERGETOOL_FAULT` cleared unless `environment` sets it. `started` gets the
    /// shell's PID while it runs.
    public static func shell(
        _ script: String, in dir: String, environment: [String: String] = [:],
        started: ((Int32) -> Void)? = nil
    ) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env["BIN"] = path
        env["MERGETOOL_FAULT"] = nil
        for (k, v) in environment { env[k] = v }
        return try execute(
            "/bin/sh", ["-c", script], in: dir, environment: env, started: started)
    }

    /// Runs the binary with `args` (quoted for the shell) in `dir`; `prefix` is shell text run
    /// first in the same shell (e.g. `ulimit -f 10; `).
    public static func run(
        _ args: [String], in dir: String = FileManager.default.currentDirectoryPath,
        environment: [String: String] = [:], prefix: String = "",
        started: ((Int32) -> Void)? = nil
    ) throws -> Result {
        let quoted = args.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try shell(
            prefix + "exec \"$BIN\" " + quoted.joined(separator: " "), in: dir,
            environment: environment, started: started)
    }

    /// Runs `executable` with `arguments`, stdout and stderr into temporary files.
    public static func execute(
        _ executable: String, _ arguments: [String], in dir: String,
        environment: [String: String]? = nil, started: ((Int32) -> Void)? = nil
    ) throws -> Result {
        let scratch = Fixture.tempDir("run")
        defer { Fixture.cleanup(scratch) }
        let outPath = scratch + "/stdout", errPath = scratch + "/stderr"
        Fixture.write([], to: outPath)
        Fixture.write([], to: errPath)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        if let environment { p.environment = environment }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = err
        try p.run()
        started?(p.processIdentifier)
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal,
            stdout: String(decoding: Fixture.read(outPath), as: UTF8.self),
            stderr: String(decoding: Fixture.read(errPath), as: UTF8.self))
    }
}
