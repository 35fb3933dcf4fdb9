import Foundation

/// sbatch options of the jobs (`--partition`, `--account`, `--time`, `--gres`, `--sbatch-arg`).
public struct SlurmOptions: Codable, Sendable, Equatable {
    public var partition: String?
    public var account: String?
    public var time: String?
    /// Generic resources of each training run (e.g. `gpu:1`); the merge jobs get none.
    public var gres: String?
    /// More `#SBATCH` arguments for every job, e.g. `--mem=8G`.
    public var extra: [String] = []

    public init() {}
}

/// One job of the chain: a job array (training runs, merge parts or baselines) or a sequence
/// of tasks.
public struct SlurmJob: Codable, Sendable, Equatable {
    /// `warp-sft`, `warp-baselines`, `warp-train-I`, `warp-merge-parts-I`, `warp-merge-I`,
    /// `warp-summary`.
    public var name: String
    /// Tasks by `WarpTask.description`; for an array, task k runs as array index `run`.
    public var tasks: [String]
    public var isArray: Bool
    /// The job id once submitted.
    public var id: String?

    /// The queue id of `task` in this job: `ID_K` for array element K, else `ID`.
    func queueID(_ task: WarpTask) -> String? {
        guard let id, tasks.contains(task.description) else { return nil }
        if isArray, let k = Self.arrayIndex(task) { return "\(id)_\(k)" }
        return id
    }

    /// The array index of a task that runs in a job array: run M, part K, baseline K.
    static func arrayIndex(_ task: WarpTask) -> Int? {
        switch task {
        case let .train(_, m): m
        case let .mergePart(_, k, _): k
        case let .baseline(k): k
        default: nil
        }
    }

    /// `--array` indices, contiguous runs written `a-b`: `1-4`, `1,3-4`.
    static func arraySpec(_ indices: [Int]) -> String {
        var ranges: [(Int, Int)] = []
        for k in indices.sorted() {
            if let last = ranges.last, last.1 + 1 == k {
                ranges[ranges.count - 1].1 = k
            } else {
                ranges.append((k, k))
            }
        }
        return ranges.map { $0.0 == $0.1 ? "\($0.0)" : "\($0.0)-\($0.1)" }
            .joined(separator: ",")
    }
}

/// Runs an `ExternalWarp` on a Slurm cluster as a chain of jobs, each depending on the one
/// before it (`--dependency=afterok:`):
///
///     warp-sft (when SFT is to be trained) → warp-train-1 (job array over the missing runs)
///       [→ warp-merge-parts-1 (job array over the missing parts, `--merge-parts` N > 1)]
///       → warp-merge-1 → warp-train-2 → … → warp-merge-I + summary
///     warp-sft → warp-baselines (job array, `--baseline`) → the job with the summary
///
/// Every job runs `mergetool warp step --run-dir D --step TASK`, so all state lives in the
/// run directory (a shared filesystem). Only tasks without a completion marker are submitted;
/// jobs of an earlier submission still in the queue are cancelled first (resumption after a
/// failed or cancelled job or a killed controller is running the same command again).
public struct SlurmWarpExecutor: Sendable {
    public let warp: ExternalWarp
    public let options: SlurmOptions
    /// The mergetool executable the jobs run (absolute).
    public let program: String
    public var log: (@Sendable (String) -> Void)?

    public init(warp: ExternalWarp, options: SlurmOptions, program: String) {
        self.warp = warp
        self.options = options
        self.program = program
    }

    var directory: WarpRunDirectory { warp.directory }

    /// The jobs still to run, in chain order.
    public func pendingJobs() -> [SlurmJob] {
        let s = warp.settings
        var jobs: [SlurmJob] = []
        if !warp.isDone(.sft) {
            jobs.append(.init(name: "warp-sft", tasks: ["sft"], isArray: false))
        }
        let baselines = warp.config.baselines.indices.map { WarpTask.baseline(index: $0 + 1) }
            .filter { !warp.isDone($0) }
        if !baselines.isEmpty {
            jobs.append(
                .init(name: "warp-baselines", tasks: baselines.map(\.description), isArray: true))
        }
        for i in 1...s.iterations where !warp.isDone(.merge(iteration: i)) {
            let runs = (1...s.runs).map { WarpTask.train(iteration: i, run: $0) }
                .filter { !warp.isDone($0) }
            if !runs.isEmpty {
                jobs.append(
                    .init(name: "warp-train-\(i)", tasks: runs.map(\.description), isArray: true))
            }
            let parts = warp.mergeParts(iteration: i).filter { !warp.isDone($0) }
            if !parts.isEmpty {
                jobs.append(
                    .init(
                        name: "warp-merge-parts-\(i)", tasks: parts.map(\.description),
                        isArray: true))
            }
            jobs.append(.init(name: "warp-merge-\(i)", tasks: ["merge:\(i)"], isArray: false))
        }
        if !warp.isDone(.summary) {
            if let last = jobs.last, !last.isArray, last.name.hasPrefix("warp-merge") {
                jobs[jobs.count - 1].tasks.append("summary")
            } else {
                jobs.append(.init(name: "warp-summary", tasks: ["summary"], isArray: false))
            }
        }
        return jobs
    }

    /// The jobs each job waits for (`afterok`), by index: the one before it in the chain,
    /// except that the baselines wait only for the SFT job and the job with the summary also
    /// waits for the baselines.
    public static func dependencies(_ jobs: [SlurmJob]) -> [[Int]] {
        let baselines = jobs.firstIndex { $0.name == "warp-baselines" }
        var previous: Int?
        return jobs.indices.map { k in
            var after: [Int] = []
            if jobs[k].name == "warp-baselines" {
                after = jobs[..<k].indices.filter { jobs[$0].name == "warp-sft" }
            } else {
                after = previous.map { [$0] } ?? []
                previous = k
                if let b = baselines, b != k, jobs[k].tasks.contains("summary"),
                    !after.contains(b)
                {
                    after.append(b)
                }
            }
            return after
        }
    }

    /// The batch script of `job` (dependencies are given to sbatch when it is submitted).
    public func script(_ job: SlurmJob) -> String {
        let q = WarpCommandTemplate.quoted
        let stem = job.name.replacingOccurrences(of: "warp-", with: "")
        let output =
            job.isArray
            ? directory.path("logs", "slurm-\(stem)-%a-%A.out")
            : directory.path("logs", "slurm-\(stem)-%j.out")
        var lines = ["#!/bin/bash", "#SBATCH --job-name=\(job.name)", "#SBATCH --output=\(output)"]
        if job.isArray {
            let tasks = job.tasks.compactMap { WarpTask($0) }
            let indices = tasks.compactMap(SlurmJob.arrayIndex)
            // merge parts as a range (`1-N`); runs as the list they have always been
            let isParts = tasks.contains { if case .mergePart = $0 { true } else { false } }
            lines.append(
                "#SBATCH --array="
                    + (isParts
                        ? SlurmJob.arraySpec(indices)
                        : indices.map(String.init).joined(separator: ",")))
        }
        if let p = options.partition { lines.append("#SBATCH --partition=\(p)") }
        if let a = options.account { lines.append("#SBATCH --account=\(a)") }
        if let t = options.time { lines.append("#SBATCH --time=\(t)") }
        if job.isArray, let g = options.gres, !job.name.hasPrefix("warp-merge") {
            lines.append("#SBATCH --gres=\(g)")
        }
        for e in options.extra { lines.append("#SBATCH \(e)") }
        lines.append("set -eu")
        let step = "\(q(program)) warp step --run-dir \(q(directory.root)) --step"
        // each task's output is appended to its log, logs/NAME.log
        if job.isArray, let first = job.tasks.first.flatMap(WarpTask.init),
            let (task, log) = Self.arrayStep(first, directory)
        {
            lines.append("\(step) \"\(task)\" >>\(log) 2>&1")
        } else {
            for t in job.tasks.compactMap(WarpTask.init) {
                lines.append("\(step) \(t) >>\(q(directory.log(t))) 2>&1")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `--step` argument and the log of an array element, for the array of `task`'s kind
    /// (with `${SLURM_ARRAY_TASK_ID}` for the index), as `sh` words.
    static func arrayStep(_ task: WarpTask, _ directory: WarpRunDirectory)
        -> (task: String, log: String)?
    {
        let q = WarpCommandTemplate.quoted
        let id = "${SLURM_ARRAY_TASK_ID}"
        let (step, stem, suffix): (String, String, String)
        switch task {
        case let .train(i, _): (step, stem, suffix) = ("train:\(i):\(id)", "train-\(i)-", ".log")
        case let .mergePart(i, _, n):
            (step, stem, suffix) = ("merge:\(i):\(id)/\(n)", "merge-\(i)-", "-of-\(n).log")
        case .baseline: (step, stem, suffix) = ("baseline:\(id)", "baseline-", ".log")
        default: return nil
        }
        return (step, q(directory.path("logs", stem)) + "\"\(id)\(suffix)\"")
    }

    /// Writes the scripts of the pending jobs and `submit.sh`, which submits them in a chain,
    /// to `dir` without submitting anything.
    /// - Returns: the paths written.
    public func emit(to dir: String) throws -> [String] {
        try warp.prepare()
        var written: [String] = []
        var submit = [
            "#!/bin/bash", "# Submits the WARP jobs of \(directory.root) in a chain.", "set -eu",
        ]
        let jobs = pendingJobs()
        let after = Self.dependencies(jobs)
        for (k, job) in jobs.enumerated() {
            let path = (dir as NSString).appendingPathComponent("\(job.name).sbatch")
            try warp.writeText(script(job), to: path)
            written.append(path)
            let dependency =
                after[k].isEmpty
                ? ""
                : " --dependency=afterok:" + after[k].map { "$job\($0)" }.joined(separator: ":")
            submit.append(
                "job\(k)=$(sbatch --parsable\(dependency) \(WarpCommandTemplate.quoted(path)))")
        }
        submit.append(
            "echo \"submitted: last job \(jobs.isEmpty ? "none" : "$job\(jobs.count - 1)")\"")
        let path = (dir as NSString).appendingPathComponent("submit.sh")
        try warp.writeText(submit.joined(separator: "\n") + "\n", to: path)
        _ = chmod(path, 0o755)
        written.append(path)
        return written
    }

    /// Cancels the previous submission's jobs still queued, then submits every pending job
    /// in a chain and records them in `slurm/jobs.json`.
    /// - Returns: the submitted jobs with their ids.
    /// - Throws: `ReinforceError.schedulerFailed` when sbatch, squeue or scancel fail.
    @discardableResult
    public func submit() throws -> [SlurmJob] {
        try warp.prepare()
        try cancelPrevious()
        var jobs = pendingJobs()
        let after = Self.dependencies(jobs)
        for k in jobs.indices {
            let path = directory.path("slurm", jobs[k].name + ".sbatch")
            try warp.writeText(script(jobs[k]), to: path)
            let ids = after[k].compactMap { jobs[$0].id }
            let dependency =
                ids.isEmpty ? "" : " --dependency=afterok:" + ids.joined(separator: ":")
            let out = try Slurm.run(
                "sbatch --parsable\(dependency) \(WarpCommandTemplate.quoted(path))")
            let id = String(out.split(separator: ";").first ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
                throw ReinforceError.schedulerFailed(command: "sbatch", reason: "printed '\(out)'")
            }
            jobs[k].id = id
            try warp.writeJSON(jobs, to: directory.slurmJobs)
            log?("submitted \(jobs[k].name) as job \(id): " + jobs[k].tasks.joined(separator: " "))
        }
        if jobs.isEmpty { try warp.writeJSON(jobs, to: directory.slurmJobs) }
        return jobs
    }

    /// Jobs recorded in `slurm/jobs.json` (empty when none).
    public static func recordedJobs(_ directory: WarpRunDirectory) -> [SlurmJob] {
        guard let data = FileManager.default.contents(atPath: directory.slurmJobs) else {
            return []
        }
        return (try? JSONDecoder().decode([SlurmJob].self, from: data)) ?? []
    }

    /// Cancels recorded jobs still in the queue and waits until they have left it.
    func cancelPrevious() throws {
        let ids = Self.recordedJobs(directory).compactMap(\.id)
        guard !ids.isEmpty else { return }
        func queued() throws -> [String] {
            let queue = try Slurm.queue()
            return ids.filter { id in queue.keys.contains { $0 == id || $0.hasPrefix(id + "_") } }
        }
        let still = try queued()
        guard !still.isEmpty else { return }
        log?(
            "cancelling jobs of the previous submission still queued: "
                + still.joined(separator: " "))
        _ = try Slurm.run("scancel " + still.joined(separator: " "))
        for _ in 0..<300 where try !queued().isEmpty { Thread.sleep(forTimeInterval: 0.2) }
    }

    /// Blocks until the summary is done.
    /// - Throws: `ReinforceError.warpStepFailed` for the first task whose job left the queue
    ///   without completing it (failed, cancelled, timed out).
    public func wait(poll: Double = 1) throws {
        let jobs = Self.recordedJobs(directory)
        while !warp.isDone(.summary) {
            let queue = try Slurm.queue()  // read before the markers: a job leaves after them
            for job in jobs {
                for task in job.tasks.compactMap(WarpTask.init) where !warp.isDone(task) {
                    guard let qid = job.queueID(task), queue[qid] == nil else { continue }
                    if job.isArray, let id = job.id, queue[id] != nil { continue }
                    let reason =
                        (try? String(contentsOfFile: directory.failedMarker(task), encoding: .utf8))?
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                        ?? "job \(qid) ended without completing it (cancelled or killed)"
                    throw ReinforceError.warpStepFailed(
                        step: task.description, log: directory.primaryLog(task), reason: reason)
                }
            }
            Thread.sleep(forTimeInterval: poll)
        }
    }
}
