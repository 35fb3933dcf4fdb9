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
/// closes stdin, and reads one number per line from stdout, in the same order. Stdin is
/// written and stdout/stderr read concurrently, so large batches cannot deadlock on full pipes.
/// - Throws: `ReinforceError.rewardCommandFailed` (non-zero exit, with the last stderr line),
///   `.rewardCommandOutputCount`, `.rewardCommandNotNumeric` (naming the 1-based line),
///   `.rewardCommandTimeout` (the command is killed), `.rewardCommandLaunch`.
/// - Complexity: one process per batch; memory O(batch text).
public struct ExternalReward: RewardFunction {
    public let command: String
    /// Seconds before the command is killed.
    public let timeout: Double

    public init(command: String, timeout: Double = 60) {
        self.command = command
        self.timeout = timeout
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
        let result = try run(input: Data(input.utf8))
        guard result.status == 0 else {
            let stderr =
                String(decoding: result.stderr, as: UTF8.self)
                .split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            throw ReinforceError.rewardCommandFailed(
                command: command, status: result.status, stderr: String(stderr.prefix(200)))
        }
        return try parse(String(decoding: result.stdout, as: UTF8.self), expected: prompts.count)
    }

    /// One finite number per line; a final newline is optional.
    func parse(_ output: String, expected: Int) throws -> [Double] {
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard lines.count == expected else {
            throw ReinforceError.rewardCommandOutputCount(
                command: command, expected: expected, got: lines.count)
        }
        return try lines.enumerated().map { i, line in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard let value = Double(text), value.isFinite else {
                throw ReinforceError.rewardCommandNotNumeric(
                    command: command, line: i + 1, text: String(text.prefix(80)))
            }
            return value
        }
    }

    /// Runs the command with `input` on stdin; returns its status, stdout and stderr.
    func run(input: Data) throws -> (status: Int32, stdout: Data, stderr: Data) {
        _ = Self.ignoreBrokenPipes
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let done = DispatchGroup()
        done.enter()
        process.terminationHandler = { _ in done.leave() }
        do {
            try process.run()
        } catch {
            throw ReinforceError.rewardCommandLaunch(command: command, reason: "\(error)")
        }
        let out = DataBox()
        let err = DataBox()
        for (pipe, box) in [(stdout, out), (stderr, err)] {
            let handle = pipe.fileHandleForReading
            done.enter()
            DispatchQueue.global().async {
                box.data = (try? handle.readToEnd()) ?? Data()
                done.leave()
            }
        }
        let writer = stdin.fileHandleForWriting
        DispatchQueue.global().async {
            // A command that exits without reading gives EPIPE here; its status tells.
            try? writer.write(contentsOf: input)
            try? writer.close()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            let pid = process.processIdentifier
            // Kill the whole group when the shell leads one, so its children die too.
            if getpgid(pid) == pid { kill(-pid, SIGKILL) } else { kill(pid, SIGKILL) }
            throw ReinforceError.rewardCommandTimeout(command: command, seconds: timeout)
        }
        return (process.terminationStatus, out.data, err.data)
    }

    /// Writing to a pipe whose reader has exited must fail with EPIPE, not kill us.
    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

}

/// Bytes filled by one reader thread and read after the group is done.
private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = Data()
    var data: Data {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
