import Foundation

/// A user's command with `{name}` placeholders (`--trainer`, `--evaluator`), run by
/// `/bin/sh -c` in its own process group (`ChildProcess`): every placeholder is replaced by its
/// value shell-quoted, and every value is also in the environment as `MERGETOOL_NAME`
/// (upper case), so a script can read `$MERGETOOL_INIT` instead.
///
///     trainer:   {init} {out} {seed} {run} {iteration} {steps}
///                {sft} {workdir} {prompt_seed} {eval_seed} {anchor} {beta}
///     evaluator: {checkpoint} {sft} {eval_seed}
///
/// The command's stderr (and, for a trainer, its stdout) is appended to a log file.
public struct WarpCommandTemplate: Sendable, Equatable, Codable {
    public let text: String

    public init(_ text: String) { self.text = text }

    /// Placeholders used in `text` that are not among `known`.
    public func unknownPlaceholders(known: [String]) -> [String] {
        var unknown: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = String(after[..<close])
            let isName =
                !name.isEmpty
                && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            if isName, !known.contains(name), !unknown.contains(name) { unknown.append(name) }
            rest = after[after.index(after: close)...]
        }
        return unknown
    }

    /// Whether `text` uses placeholder `{name}` or its variable `MERGETOOL_NAME`.
    public func uses(_ name: String) -> Bool {
        text.contains("{\(name)}") || text.contains("MERGETOOL_\(name.uppercased())")
    }

    /// `text` with every `{name}` of `values` replaced by the value, single-quoted for `sh`.
    public func expanded(_ values: [(String, String)]) -> String {
        values.reduce(text) { text, pair in
            text.replacingOccurrences(of: "{\(pair.0)}", with: Self.quoted(pair.1))
        }
    }

    /// `value` as one `sh` word: single quotes, `'` written `'\''`.
    public static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// Runs the expanded command with the values in the environment, stderr appended to
    /// `log` (stdout too when `captureStdout` is false).
    /// - Returns: the ending and stdout (empty when not captured).
    func run(_ values: [(String, String)], log: String, captureStdout: Bool) -> (
        ending: ChildProcess.Ending, stdout: [UInt8]
    ) {
        let exports = values.map { "export MERGETOOL_\($0.0.uppercased())=\(Self.quoted($0.1))" }
        let redirect =
            captureStdout ? "exec 2>>\(Self.quoted(log))" : "exec >>\(Self.quoted(log)) 2>&1"
        let script = ([redirect] + exports + [expanded(values)]).joined(separator: "\n")
        let child = ChildProcess.shell(script, timeout: 1e9)
        let outcome = child.run(input: [])
        return (outcome.ending, outcome.stdout)
    }

    /// One line for an ending that is not success, or nil for exit status 0.
    static func failure(_ ending: ChildProcess.Ending) -> String? {
        switch ending {
        case .exited(0): nil
        case .exited(let s): "exited with status \(s)"
        case .signaled(let s): "killed by signal \(s)"
        case .timedOut: "timed out"
        case .stdoutTooLarge: "printed too much on stdout"
        case .lineTooLong(let line): "stdout line \(line) is too long"
        case .launchFailed(let reason): "could not be started: \(reason)"
        }
    }
}
