import Foundation

/// Runs the tasks of an `ExternalWarp` on this machine: the tasks in plan order, the M runs of
/// an iteration, its merge parts and the baselines `parallel` at a time (each trainer command
/// in its own process group). Tasks already done are skipped, so running it again after any
/// failure or kill resumes.
public struct LocalWarpExecutor: Sendable {
    public let warp: ExternalWarp
    public let parallel: Int

    public init(warp: ExternalWarp, parallel: Int) {
        self.warp = warp
        self.parallel = parallel
    }

    /// Runs every task not yet done.
    /// - Throws: the first task's error (the other runs of its iteration finish first).
    public func run() throws {
        let warp = self.warp
        try warp.prepare()
        let settings = warp.settings
        let parallel = self.parallel
        func runAll(_ tasks: [WarpTask]) throws {
            let missing = tasks.filter { !warp.isDone($0) }
            _ = try parallelMap(missing.count, width: parallel) { k in try warp.run(missing[k]) }
        }
        if !warp.isDone(.sft) { try warp.run(.sft) }
        try runAll(warp.config.baselines.indices.map { .baseline(index: $0 + 1) })
        for i in 1...settings.iterations where !warp.isDone(.merge(iteration: i)) {
            try runAll((1...settings.runs).map { .train(iteration: i, run: $0) })
            try runAll(warp.mergeParts(iteration: i))
            try warp.run(.merge(iteration: i))
        }
        if !warp.isDone(.summary) { try warp.run(.summary) }
    }
}
