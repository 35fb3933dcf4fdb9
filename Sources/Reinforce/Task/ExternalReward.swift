import Foundation
import SafeTensors

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A reward computed by a user command, so any reward model can be plugged in.
///
/// Once per batch, runs `/bin/sh -c command`, writes one JSON line per pair on its stdin,
///
///     {"prompt": "the battery", "completion": "is great ."}
///
/// (texts decoded with the vocabulary; `<bos>` dropped; the completion cut at its end marker),
/// closes stdin, and reads one number per line from stdout (`\n` or `\r\n` line ends), in the
/// same order. Stdin is written and stdout/stderr read concurrently, so large batches cannot
/// deadlock on full pipes. The command runs through `ChildProcess`: in its own process group,
/// done when it exits (a background grandchild holding stdout does not hold the batch), and
/// nothing it started survives the call, a timeout or a signal to mergetool.
/// - Throws: `ReinforceError.rewardCommandFailed` (non-zero exit, with the last stderr line),
///   `.rewardCommandOutputCount`, `.rewardCommandNotNumeric` (naming the 1-based line),
///   `.rewardCommandTimeout` (the command is killed), `.rewardCommandLaunch`,
///   `.rewardCommandOutputTooLarge`, `.rewardCommandLineTooLong` (limits of `limits`).
/// - Complexity: one process per batch; memory O(batch text + `limits.stdoutBytes`).
public struct ExternalReward: RewardFunction {
    public let command: String
    /// Seconds before the command is killed.
    public let timeout: Double
    /// Bounds on the output kept (stdout total and per line, stderr tail).
    let limits: ChildProcess.Limits

    /// The default timeout, in seconds.
    public static let defaultTimeout: Double = 60

    public init(command: String, timeout: Double = ExternalReward.defaultTimeout) {
        self.init(command: command, timeout: timeout, limits: ChildProcess.Limits())
    }

    init(command: String, timeout: Double, limits: ChildProcess.Limits) {
        self.command = command
        self.timeout = timeout
        self.limits = limits
    }

    /// Throws `ReinforceError.invalidOption` unless `seconds` is finite and positive.
    public static func validate(timeout seconds: Double) throws {
        guard seconds.isFinite, seconds > 0 else {
            throw ReinforceError.invalidOption(
                name: "reward timeout", reason: "\(seconds) s (must be finite and > 0)")
        }
    }

    public func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary)
        throws -> [Double]
    {
        try RewardText.checkBatch(prompts: prompts, completions: completions)
        if prompts.isEmpty { return [] }
        var input = ""
        for (p, c) in zip(prompts, completions) {
            let prompt = JSONText.quoted(vocabulary.decode(p))
            let completion = JSONText.quoted(vocabulary.decode(Array(RewardText.completion(c))))
            input += "{\"prompt\": \(prompt), \"completion\": \(completion)}\n"
        }
        let outcome = ChildProcess.shell(command, timeout: timeout, limits: limits)
            .run(input: Array(input.utf8))
        let status: Int32
        switch outcome.ending {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        case .timedOut:
            throw ReinforceError.rewardCommandTimeout(command: command, seconds: timeout)
        case .stdoutTooLarge:
            throw ReinforceError.rewardCommandOutputTooLarge(
                command: command, limit: limits.stdoutBytes)
        case .lineTooLong(let line):
            throw ReinforceError.rewardCommandLineTooLong(
                command: command, line: line, limit: limits.lineBytes)
        case .launchFailed(let reason):
            throw ReinforceError.rewardCommandLaunch(command: command, reason: reason)
        }
        guard status == 0 else {
            let stderr =
                String(decoding: outcome.stderr, as: UTF8.self)
                .split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            throw ReinforceError.rewardCommandFailed(
                command: command, status: status, stderr: String(stderr.prefix(200)))
        }
        return try parse(outcome.stdout, expected: prompts.count)
    }

    /// One finite number per line; lines end in `\n` or `\r\n`; a final line end is optional.
    func parse(_ output: [UInt8], expected: Int) throws -> [Double] {
        var lines = output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard lines.count == expected else {
            throw ReinforceError.rewardCommandOutputCount(
                command: command, expected: expected, got: lines.count)
        }
        return try lines.enumerated().map { i, line in
            var bytes = line[...]
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            let text = String(decoding: bytes, as: UTF8.self)
                .trimmingCharacters(in: .whitespaces)
            guard let value = Double(text), value.isFinite else {
                throw ReinforceError.rewardCommandNotNumeric(
                    command: command, line: i + 1, text: String(text.prefix(80)))
            }
            return value
        }
    }
}
