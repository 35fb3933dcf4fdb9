import Foundation

/// The Slurm client commands the executor and `warp status` use (found on PATH; the cluster
/// through the environment, e.g. `SLURM_CONF`). Accounting is not assumed: job states come
/// from `squeue` and from the markers the jobs write.
public enum Slurm {
    /// Runs `command` with `sh -c` and returns its stdout.
    /// - Throws: `ReinforceError.schedulerFailed` with its stderr when it fails.
    static func run(_ command: String) throws -> String {
        let outcome = ChildProcess.shell(command, timeout: 120).run(input: [])
        let stdout = String(decoding: outcome.stdout, as: UTF8.self)
        if let failure = WarpCommandTemplate.failure(outcome.ending) {
            let stderr = String(decoding: outcome.stderr, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw ReinforceError.schedulerFailed(
                command: command, reason: failure + (stderr.isEmpty ? "" : ": " + stderr))
        }
        return stdout
    }

    /// One job (or array element) in the queue.
    public struct QueuedJob: Sendable, Equatable {
        /// `PENDING`, `RUNNING`, `COMPLETING`, …
        public var state: String
        /// Why it is pending (`Dependency`, `Resources`, `DependencyNeverSatisfied`, …).
        public var reason: String
    }

    /// Every job in the queue by id (`ID`, or `ID_K` for array element K), one line per array
    /// element (`squeue -r`).
    public static func queue() throws -> [String: QueuedJob] {
        let text = try run("squeue -h -r -o '%i %T %r'")
        var jobs: [String: QueuedJob] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard f.count >= 2 else { continue }
            jobs[f[0]] = QueuedJob(state: f[1], reason: f.count > 2 ? f[2] : "")
        }
        return jobs
    }
}
