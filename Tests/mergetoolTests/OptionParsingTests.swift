import ArgumentParser
import Foundation
import Merging
import Testing

@testable import mergetool

/// Typed options: a bad value is the parser's error (exit 64, one message naming the flag and
/// the value), never a silent fallback.
@Suite struct OptionParsingTests {
    /// The message ArgumentParser prints for `args`, with its exit code; `nil` if they parse.
    static func failure(_ args: [String]) -> (message: String, code: Int32)? {
        do {
            _ = try MergeTool.parseAsRoot(args)
            return nil
        } catch {
            return (MergeTool.message(for: error), MergeTool.exitCode(for: error).rawValue)
        }
    }

    /// Every command with `--threads`, as a parseable command line without it.
    static let threaded: [[String]] = [
        ["slerp", "a", "b", "--init", "i", "-o", "o"],
        ["lerp", "a", "b", "-o", "o"],
        ["liti", "m", "--init", "i", "--eta", "0.3", "-o", "o"],
        ["extrapolate", "m", "--init", "i", "--eta", "1.5", "-o", "o"],
        ["angles", "a", "b"],
    ]

    @Test(arguments: threaded)
    func threadsOutsideOneToSixtyFourAreRefused(_ command: [String]) throws {
        for (value, message) in [
            ("0", "--threads must be in 1…64, got 0"),
            ("65", "--threads must be in 1…64, got 65"),
            ("-3", "--threads must be in 1…64, got -3"),
            ("two", "--threads must be an integer, got 'two'"),
        ] {
            let failure = try #require(Self.failure(command + ["--threads=" + value]))
            #expect(failure.message.contains(message), "\(command): \(failure.message)")
            #expect(failure.code == ExitCode.validationFailure.rawValue)
        }
        for value in ["1", "64"] { #expect(Self.failure(command + ["--threads", value]) == nil) }
    }

    @Test func threadsReachTheMergePlanAndTheAnalysis() throws {
        let slerp = try #require(
            try MergeTool.parseAsRoot(Self.threaded[0] + ["--threads", "3"]) as? SlerpCommand)
        #expect(slerp.merge.threadCount == 3)
        let angles = try #require(
            try MergeTool.parseAsRoot(["angles", "a", "b", "--threads", "5"]) as? AnglesCommand)
        #expect(angles.threads == 5)
    }

    @Test func anglesByIsTyped() throws {
        let failure = try #require(Self.failure(["angles", "a", "b", "--by", "bogus"]))
        #expect(failure.message.contains("'bogus'") && failure.message.contains("--by"))
        #expect(failure.code == ExitCode.validationFailure.rawValue)
        let tensor = try #require(
            try MergeTool.parseAsRoot(["angles", "a", "b", "--by", "Tensor"]) as? AnglesCommand)
        #expect(tensor.granularity == .tensor)
    }

    @Test(arguments: [
        (["slerp", "a", "b", "--init", "i", "-o", "o", "--weights", "1,x"], "'1,x'", "--weights"),
        (["liti", "m", "--init", "i", "-o", "o", "--eta", "0.3,abc"], "'0.3,abc'", "--eta"),
        (["lerp", "a", "b", "-o", "o", "--weights", "1,,2"], "'1,,2'", "--weights"),
        (["warp", "--run-dir", "d", "--front", "0,nan"], "'0,nan'", "--front"),
    ])
    func nonNumericListItemIsRefused(args: [String], value: String, flag: String) throws {
        let failure = try #require(Self.failure(args))
        #expect(failure.message.contains(value) && failure.message.contains(flag))
    }

    @Test(arguments: [
        (["train", "rl", "--init", "s", "-o", "d", "--anchor", "both"], "'both'", "--anchor"),
        (["train", "rl", "--init", "s", "-o", "d", "--reward", "lexicn"], "'lexicn'", "--reward"),
        (["eval", "p", "--sft", "s", "--reward", "external: "], "'external: '", "--reward"),
        (["warp", "--run-dir", "d", "--reward", "oracle"], "'oracle'", "--reward"),
        (["convert", "c", "-o", "o", "--dtype", "i8"], "'i8'", "--dtype"),
        (["warp", "--run-dir", "d", "--granularity", "block"], "'block'", "--granularity"),
    ])
    func enumLikeOptionsAreTyped(args: [String], value: String, flag: String) throws {
        let failure = try #require(Self.failure(args))
        #expect(failure.message.contains(value) && failure.message.contains(flag))
        #expect(failure.code == ExitCode.validationFailure.rawValue)
    }

    @Test func typedChoicesReachTheSettings() throws {
        let rl = try #require(
            try MergeTool.parseAsRoot([
                "train", "rl", "--init", "s", "-o", "d", "--anchor", "sft", "--reward",
                "external:python3 score.py",
            ]) as? TrainRLCommand)
        #expect(rl.anchor == .sft && rl.reward == .external(command: "python3 score.py"))
        #expect(rl.settings.reward == "external:python3 score.py")
        let convert = try #require(
            try MergeTool.parseAsRoot(["convert", "c", "-o", "o", "--dtype", "BF16"])
                as? ConvertCommand)
        #expect(try convert.output.outputDType() == .bf16)
    }

    @Test(arguments: [
        (["train", "sft", "-o", "d", "--steps", "0"], "--steps must be at least 1, got 0"),
        (["eval", "p", "--sft", "s", "--prompts", "0"], "--prompts must be at least 1, got 0"),
        (["angles", "a", "b", "--bins", "1001"], "--bins must be in 1…1000, got 1001"),
    ])
    func integerRangesGoThroughTheSharedCheck(args: [String], message: String) throws {
        let failure = try #require(Self.failure(args))
        #expect(failure.message.contains(message), "\(failure.message)")
    }
}
