import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The state of every task of a run directory, from its markers and (for a Slurm run) the
/// queue:
///
///     done      its completion marker exists
///     running   its job is running (squeue), or (without a job) a live process on this host
///               marked it running
///     pending   its job is queued, or it was not submitted yet
///     failed    its last attempt wrote a failed marker, or its job left the queue without
///               completing it (failed, cancelled, timed out)
public struct WarpTaskStatus: Sendable, Equatable {
    public enum State: String, Sendable { case pending, running, done, failed }
    public var task: WarpTask
    public var state: State
    /// The job id, the queue's reason or the error line.
    public var detail: String
    /// The log to read.
    public var log: String

    /// The status of every task of `warp`. `queue` is the Slurm queue (nil: not asked).
    public static func collect(_ warp: ExternalWarp, queue: [String: Slurm.QueuedJob]?)
        -> [WarpTaskStatus]
    {
        let dir = warp.directory
        let jobs = SlurmWarpExecutor.recordedJobs(dir)
        return warp.tasks.map { task in
            let log = dir.primaryLog(task)
            if warp.isDone(task) { return .init(task: task, state: .done, detail: "", log: log) }
            let job = jobs.first { $0.tasks.contains(task.description) && $0.id != nil }
            let qid = job?.queueID(task)
            if let queue, let qid, let q = queue[qid] ?? job?.id.flatMap({ queue[$0] }) {
                let running = q.state == "RUNNING" || q.state == "COMPLETING"
                return .init(
                    task: task, state: running ? .running : .pending,
                    detail: "job \(qid) \(q.state.lowercased())"
                        + (running || q.reason == "None" ? "" : " (\(q.reason))"), log: log)
            }
            // a Slurm task's state is the queue's: a process still dying after scancel is not
            // running (only tasks without a job, run here, are judged by their marker)
            if queue == nil || qid == nil, isRunningHere(dir.runningMarker(task)) {
                return .init(task: task, state: .running, detail: "", log: log)
            }
            if let error = try? String(contentsOfFile: dir.failedMarker(task), encoding: .utf8) {
                return .init(
                    task: task, state: .failed,
                    detail: error.trimmingCharacters(in: .whitespacesAndNewlines), log: log)
            }
            if queue != nil, let qid {
                return .init(
                    task: task, state: .failed,
                    detail: "job \(qid) ended without completing it (cancelled or killed)",
                    log: log)
            }
            return .init(task: task, state: .pending, detail: "", log: log)
        }
    }

    /// Whether `marker` (`host pid`) names a live process on this host.
    static func isRunningHere(_ marker: String) -> Bool {
        guard let text = try? String(contentsOfFile: marker, encoding: .utf8) else { return false }
        let f = text.split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard f.count == 2, f[0] == ExternalWarp.hostName, let pid = Int32(f[1]) else {
            return false
        }
        return kill(pid, 0) == 0
    }

    /// One line per task: name, state, detail, log.
    public static func table(_ statuses: [WarpTaskStatus]) -> String {
        statuses.map { s in
            let name = s.task.description.padding(toLength: 14, withPad: " ", startingAt: 0)
            let state = s.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            return name + state + " " + s.log + (s.detail.isEmpty ? "" : "  " + s.detail)
        }.joined(separator: "\n") + "\n"
    }
}
