import Foundation
import SafeTensors

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a WARP run with an external trainer (or on a scheduler) is: the loop's settings, the
/// trainer and evaluator commands and the SFT policy. Saved as `warp.json`, read by every task.
public struct ExternalWarpConfig: Codable, Sendable, Equatable {
    public var settings: WarpSettings
    public var trainer: WarpCommandTemplate
    public var evaluator: WarpCommandTemplate?
    /// An existing SFT checkpoint (absolute path); nil: the built-in SFT is trained in `sft/`.
    public var sft: String?
    /// Parts N of each iteration's merge (`WarpTask.mergePart`); nil or 1: one merge task.
    /// Results do not depend on it (every tensor is the unsplit merge's), so a rerun may
    /// change it.
    public var mergeParts: Int?

    public init(
        settings: WarpSettings, trainer: WarpCommandTemplate, evaluator: WarpCommandTemplate?,
        sft: String?, mergeParts: Int = 1
    ) {
        self.settings = settings
        self.trainer = trainer
        self.evaluator = evaluator
        self.sft = sft
        self.mergeParts = mergeParts > 1 ? mergeParts : nil
    }

    /// The β of the SFT-anchored baselines the run trains: `settings.baselines` when the
    /// trainer takes `{anchor}` (so it can train with the SFT anchor), else none.
    public var baselines: [Float] { trainer.uses("anchor") ? settings.baselines : [] }

    /// Parts of each iteration's merge (≥ 1).
    public var partCount: Int { max(1, mergeParts ?? 1) }

    /// Placeholders of `--trainer` and `--evaluator`.
    public static let trainerPlaceholders = [
        "init", "out", "seed", "run", "iteration", "steps", "sft", "workdir", "prompt_seed",
        "eval_seed", "anchor", "beta",
    ]
    public static let evaluatorPlaceholders = ["checkpoint", "sft", "eval_seed"]

    /// Throws `ReinforceError.invalidOption` for a bad setting or an unknown placeholder.
    public func validate() throws {
        try settings.validate()
        if let n = mergeParts, n < 1 {
            throw ReinforceError.invalidOption(name: "merge parts", reason: "\(n) is below 1")
        }
        for (name, template, known) in [
            ("trainer", trainer, Self.trainerPlaceholders),
            ("evaluator", evaluator ?? WarpCommandTemplate(""), Self.evaluatorPlaceholders),
        ] {
            if let p = template.unknownPlaceholders(known: known).first {
                throw ReinforceError.invalidOption(
                    name: name,
                    reason: "unknown placeholder {\(p)} (known: "
                        + known.map { "{\($0)}" }.joined(separator: " ") + ")")
            }
        }
    }

    /// The same run as far as its results go (`parallelRuns` only says how many at once,
    /// `mergeParts` how a merge is split).
    func sameRun(as other: ExternalWarpConfig) -> Bool {
        var a = self, b = other
        a.settings.parallelRuns = 1
        b.settings.parallelRuns = 1
        a.mergeParts = nil
        b.mergeParts = nil
        return a == b
    }
}

/// A WARP run as tasks that run apart (`WarpTask`), each reading its inputs from the run
/// directory and committing its outputs there; a task is done when its marker exists, so
/// running the plan again redoes exactly the tasks without one (resumption). The executors
/// (`LocalWarpExecutor`, `SlurmWarpExecutor`) decide where and when each task runs; this type
/// runs one task in the calling process.
public final class ExternalWarp: @unchecked Sendable {
    public let config: ExternalWarpConfig
    public let directory: WarpRunDirectory
    /// Progress for people, one line each.
    public var log: (@Sendable (String) -> Void)?

    public var settings: WarpSettings { config.settings }

    public init(config: ExternalWarpConfig, directory: String) throws {
        try config.validate()
        self.config = config
        // absolute: jobs run it from elsewhere
        self.directory = WarpRunDirectory(URL(fileURLWithPath: directory).standardizedFileURL.path)
    }

    /// The run in `directory` as its `warp.json` describes it (what a job runs).
    /// - Throws: `ReinforceError.fileNotFound`/`.unreadableFile` for a missing or bad file.
    public static func open(directory: String) throws -> ExternalWarp {
        let path = WarpRunDirectory(directory).configuration
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReinforceError.fileNotFound(path: path)
        }
        do {
            return try ExternalWarp(
                config: JSONDecoder().decode(ExternalWarpConfig.self, from: data),
                directory: directory)
        } catch let error as ReinforceError {
            throw error
        } catch {
            throw ReinforceError.unreadableFile(path: path, reason: "\(error)")
        }
    }

    /// Creates the run directory and writes `warp.json`, or checks that the one there
    /// describes the same run (a rerun resumes it).
    /// - Throws: `ReinforceError.runDirectoryMismatch` when it describes another run.
    public func prepare() throws {
        let path = directory.configuration
        for dir in [directory.steps, directory.logs] {
            do {
                try FileManager.default.createDirectory(
                    atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw ReinforceError.cannotWrite(path: dir, reason: "\(error)")
            }
        }
        if let data = FileManager.default.contents(atPath: path) {
            let existing = try? JSONDecoder().decode(ExternalWarpConfig.self, from: data)
            guard let existing, existing.sameRun(as: config) else {
                throw ReinforceError.runDirectoryMismatch(
                    path: directory.root,
                    reason: "its warp.json has other settings, trainer, evaluator or --sft")
            }
            if existing == config { return }  // else the jobs must read the new split
        }
        try writeJSON(config, to: path)
    }

    /// Every task, in an order that respects their inputs.
    public var tasks: [WarpTask] {
        WarpTask.plan(
            iterations: settings.iterations, runs: settings.runs,
            baselines: config.baselines.count, mergeParts: config.partCount)
    }

    /// The merge part tasks of iteration `i` (empty for one part).
    public func mergeParts(iteration i: Int) -> [WarpTask] {
        let n = config.partCount
        return n > 1 ? (1...n).map { .mergePart(iteration: i, part: $0, count: n) } : []
    }

    /// Whether `task` finished: its completion marker exists.
    public func isDone(_ task: WarpTask) -> Bool {
        FileManager.default.fileExists(atPath: directory.doneMarker(task))
    }

    /// The SFT policy every run's KL is measured against (`{sft}`).
    public var sftPolicy: String {
        config.sft ?? (directory.sft as NSString).appendingPathComponent("policy")
    }

    /// θ_init of iteration `i` (`{init}`): the SFT policy itself for i = 1 with `--sft`.
    public func initialPath(iteration i: Int) -> String {
        if i == 1, let sft = config.sft { return sft }
        return directory.initial(iteration: i)
    }

    /// Runs `task` here: clears its failed marker, marks it running, runs it and writes its
    /// completion marker, or its failed marker with the error (rethrown).
    /// - Throws: `ReinforceError.invalidOption` for a task that is not in `tasks` (e.g. a
    ///   baseline the run does not have, or merge parts of another split).
    public func run(_ task: WarpTask) throws {
        guard tasks.contains(task) else {
            throw ReinforceError.invalidOption(
                name: "step",
                reason:
                    "\(task) is not a task of \(directory.root) (mergetool warp status lists them)")
        }
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory.failedMarker(task))
        try? fm.createDirectory(atPath: directory.steps, withIntermediateDirectories: true)
        try? fm.createDirectory(atPath: directory.logs, withIntermediateDirectories: true)
        try? writeText("\(Self.hostName) \(getpid())\n", to: directory.runningMarker(task))
        defer { try? fm.removeItem(atPath: directory.runningMarker(task)) }
        let start = Date()
        let stamp = { ISO8601DateFormatter().string(from: Date()) }
        appendLine(
            "== \(stamp()) \(task) on \(Self.hostName), pid \(getpid())", to: directory.log(task))
        do {
            var record: [String: String] = [:]
            switch task {
            case .sft: try runSFT()
            case let .train(i, m): record = try train(iteration: i, run: m)
            case let .baseline(k): record = try trainBaseline(k)
            case let .mergePart(i, k, n): record = try mergePart(iteration: i, part: k, of: n)
            case let .merge(i): try merge(iteration: i)
            case .summary: try writeSummary()
            }
            record["step"] = task.description
            record["seconds"] = String(format: "%.3f", Date().timeIntervalSince(start))
            record["host"] = Self.hostName
            try writeJSON(record, to: directory.doneMarker(task))
            appendLine(
                "== \(stamp()) \(task) done in \(record["seconds"]!) s", to: directory.log(task))
        } catch {
            appendLine("== \(stamp()) \(task) failed: \(error)", to: directory.log(task))
            try? writeText("\(error)\n", to: directory.failedMarker(task))
            throw error
        }
    }

    /// The completion record of `task` (`steps/NAME.done`), or nil.
    func record(_ task: WarpTask) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: directory.doneMarker(task)) else {
            return nil
        }
        return try? JSONDecoder().decode([String: String].self, from: data)
    }

    /// The SFT task: trains the built-in SFT policy and saves θ_init of iteration 1, or checks
    /// that `--sft` opens as a checkpoint (iteration 1 then starts from it directly).
    func runSFT() throws {
        if let sft = config.sft {
            _ = try Checkpoint.open(sft)
            return
        }
        log?("training SFT (\(settings.sft.steps) steps)")
        let (model, vocabulary) = try SFTRun.run(settings.sft, directory: directory.sft)
        try PolicyCheckpoint.save(
            model, vocabulary: vocabulary, to: directory.initial(iteration: 1))
    }

    static var hostName: String { ProcessInfo.processInfo.hostName }

    func writeText(_ text: String, to path: String) throws {
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw ReinforceError.cannotWrite(path: path, reason: "\(error)")
        }
    }

    func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        try writeText(WarpSummary.json(value) + "\n", to: path)
    }
}
