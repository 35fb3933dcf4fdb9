import Foundation
import Merging
import SafeTensors
import TestSupport
import Testing

/// The built binary as a user runs it: exit status, what goes to stdout and what to stderr.
@Suite(.enabled(if: Binary.exists, "needs .build/debug/mergetool (swift build --build-tests)"))
struct EndToEndTests {
    /// Every subcommand, as a user types it.
    static let subcommands: [[String]] = [
        ["inspect"], ["convert"], ["slerp"], ["lerp"], ["liti"], ["extrapolate"], ["angles"],
        ["train"], ["train", "sft"], ["train", "rl"], ["eval"], ["warp"], ["warp", "run"],
    ]

    /// The formula each merge command's `--help` shows (from the method, the single source).
    static let formulas: [(command: String, formula: String)] = [
        ("slerp", Slerp.formula), ("lerp", Lerp.formula), ("lerp", TaskArithmetic.formula),
        ("liti", Liti.formula), ("extrapolate", "θ_init + η·(θ_merged − θ_init)"),
    ]

    /// `text` with every run of whitespace as one space (help text wraps at 80 columns).
    static func flattened(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func inspectPrintsTheTableAndExitsZero() throws {
        let dir = Fixture.tempDir("e2e")
        defer { Fixture.cleanup(dir) }
        try Fixture.writeCheckpoint(Fixture.smallStore(), to: dir + "/m.safetensors")
        let r = try Binary.run(["inspect", "m.safetensors"], in: dir)
        #expect(r.status == 0 && !r.signalled)
        #expect(r.stderr == "")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "name                dtype  shape   bytes  file")
        #expect(lines.contains("model.embed.weight  BF16   [2, 3]     12  m.safetensors"))
        #expect(lines.contains("m.safetensors: 3 tensors, 10 parameters, 26 bytes (26 B)"))
    }

    /// safetensors → sharded zstd directory → safetensors gives the same tensors, and the
    /// input is not touched.
    @Test func convertRoundTripKeepsEveryTensor() throws {
        let dir = Fixture.tempDir("e2e")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 6, elements: 200)
        try Fixture.writeCheckpoint(store, to: dir + "/in.safetensors")
        let before = Fixture.read(dir + "/in.safetensors")
        let there = try Binary.run(
            ["convert", "in.safetensors", "-o", "sharded", "--shard-size", "1KB", "--zstd", "-q"],
            in: dir)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stderr == "")
        #expect(there.stdout == "")  // -q is quiet on stdout too
        let back = try Binary.run(["convert", "sharded", "-o", "back.safetensors", "-q"], in: dir)
        #expect(back.status == 0, "\(back.stderr)")
        #expect(try Fixture.sameTensors(store, Checkpoint.open(dir + "/back.safetensors")))
        #expect(Fixture.read(dir + "/in.safetensors") == before)
    }

    /// `slerp --quiet`: exit 0, nothing on stdout or stderr (the summary only with `--json`).
    @Test func slerpOfASmallFamilyWritesQuietly() throws {
        let dir = Fixture.tempDir("e2e")
        defer { Fixture.cleanup(dir) }
        try Fixture.mergeFamily(in: dir)
        let r = try Binary.run(
            ["slerp", "ft1", "ft2", "--init", "base", "-o", "merged", "-q"], in: dir)
        #expect(r.status == 0 && !r.signalled)
        #expect(r.stderr == "")
        #expect(r.stdout == "")
        let merged = try Checkpoint.open(dir + "/merged").tensors.map(\.name).sorted()
        #expect(try merged == Fixture.tensorBytes(dir + "/base").keys.sorted())
    }

    /// An unknown flag is a usage error: exit 64, one `error:` line naming it, then the usage.
    @Test(arguments: [
        ["inspect", "m.safetensors", "--bogus"],
        ["slerp", "a", "b", "--init", "c", "-o", "d", "--bogus"],
    ])
    func badFlagExits64WithOneErrorLineAndUsage(_ args: [String]) throws {
        let dir = Fixture.tempDir("e2e")
        defer { Fixture.cleanup(dir) }
        let r = try Binary.run(args, in: dir)
        #expect(r.status == 64 && !r.signalled)
        #expect(r.stdout == "")
        let errors = r.errorLines.filter { $0.hasPrefix("error:") }
        #expect(errors == ["error: Unknown option '--bogus'"])
        #expect(r.errorLines.first == errors.first)
        #expect(r.stderr.contains("Usage: mergetool \(args[0])"))
    }

    /// A missing input: exit 1 and exactly one line on stderr, `error:` naming the path.
    @Test(arguments: [
        ["inspect", "nope.safetensors"], ["convert", "nope.safetensors", "-o", "out"],
        ["slerp", "nope.safetensors", "base", "--init", "base", "-o", "out"],
    ])
    func missingInputExits1NamingThePath(_ args: [String]) throws {
        let dir = Fixture.tempDir("e2e")
        defer { Fixture.cleanup(dir) }
        try Fixture.mergeFamily(in: dir)
        let r = try Binary.run(args, in: dir)
        #expect(r.status == 1 && !r.signalled)
        #expect(r.errorLines.count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: nope.safetensors: "))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    /// A file too short to be safetensors: exit 1, one `error:` line with the path and sizes.
    @Test(arguments: [
        ["inspect", "bad.safetensors"], ["convert", "bad.safetensors", "-o", "out"],
    ])
    func malformedInputExits1WithOneErrorLine(_ args: [String]) throws {
        let dir = Fixture.tempDir("e2e")
        defer { Fixture.cleanup(dir) }
        Fixture.write([1, 2, 3], to: dir + "/bad.safetensors")
        let r = try Binary.run(args, in: dir)
        #expect(r.status == 1 && !r.signalled)
        #expect(r.stdout == "")
        #expect(
            r.stderr
                == "error: bad.safetensors: 3 bytes is too small for a safetensors file"
                + " (needs at least 8)\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    /// Writing over the input is refused before anything is written: exit 1, one line.
    @Test func convertOntoItsInputExits1AndKeepsTheInput() throws {
        let dir = Fixture.tempDir("e2e")
        defer { Fixture.cleanup(dir) }
        try Fixture.writeCheckpoint(Fixture.smallStore(), to: dir + "/in.safetensors")
        let before = Fixture.read(dir + "/in.safetensors")
        let r = try Binary.run(["convert", "in.safetensors", "-o", "in.safetensors"], in: dir)
        #expect(r.status == 1 && !r.signalled)
        #expect(r.stderr == "error: in.safetensors: refusing to write over one of the inputs\n")
        #expect(Fixture.read(dir + "/in.safetensors") == before)
    }

    @Test(arguments: subcommands)
    func helpOfEverySubcommandExitsZero(_ command: [String]) throws {
        let r = try Binary.run(command + ["--help"])
        #expect(r.status == 0 && !r.signalled, "\(r.stderr)")
        #expect(r.stdout.contains("USAGE: mergetool " + command.joined(separator: " ")))
    }

    @Test(arguments: formulas)
    func helpOfEveryMergeMethodShowsItsFormula(_ command: String, _ formula: String) throws {
        let r = try Binary.run([command, "--help"])
        #expect(r.status == 0)
        #expect(Self.flattened(r.stdout).contains(Self.flattened(formula)), "\(r.stdout)")
    }
}
