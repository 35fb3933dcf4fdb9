import Foundation

/// The files of a run whose tasks run apart (`WarpTask`, `ExternalWarp`), beside the layout of
/// `WarpRunDirectory`:
///
///     warp.json                     the run's configuration (settings, trainer, evaluator,
///                                   SFT); every task reads it, a rerun must match it
///     steps/NAME.done               completion marker of task NAME (`WarpTask.fileName`),
///                                   written atomically after its outputs were committed
///     steps/NAME.failed             the error of its last failed attempt (removed on retry)
///     steps/NAME.running            `host pid` of the process running it
///     logs/NAME.log                 what mergetool printed while running the task
///     iteration-I/run-M/policy/     the trainer's checkpoint ({out}); run-M/ is {workdir}
///     logs/trainer-I-M.log          the trainer's stdout and stderr, every attempt (outside
///                                   {workdir}, which the trainer owns: `train rl -o` refuses a
///                                   directory holding files it did not write)
///     iteration-I/evaluator.log     the evaluator's stderr
///     iteration-I/.merged.parts/    the merge parts' files and markers (`PartCommit`, with
///                                   `--merge-parts` N > 1), assembled into iteration-I/merged/,
///                                   whose `eta-X.XX/` the merge task then moves to
///                                   iteration-I/eta-X.XX/
///     baseline-beta-B/policy/       the SFT-anchored baseline's checkpoint; baseline-beta-B/
///                                   is its {workdir}
///     slurm/jobs.json, slurm/*.sbatch   the submitted jobs and their scripts
extension WarpRunDirectory {
    public var configuration: String { path("warp.json") }
    public var steps: String { path("steps") }
    public var logs: String { path("logs") }
    public var slurm: String { path("slurm") }
    public var slurmJobs: String { path("slurm", "jobs.json") }

    public func doneMarker(_ task: WarpTask) -> String { path("steps", task.fileName + ".done") }
    public func failedMarker(_ task: WarpTask) -> String {
        path("steps", task.fileName + ".failed")
    }
    public func runningMarker(_ task: WarpTask) -> String {
        path("steps", task.fileName + ".running")
    }
    public func log(_ task: WarpTask) -> String { path("logs", task.fileName + ".log") }

    /// The checkpoint run `m` of iteration `i` writes (`{out}`).
    public func runPolicy(_ m: Int, iteration i: Int) -> String {
        (run(m, iteration: i) as NSString).appendingPathComponent("policy")
    }
    public func trainerLog(_ m: Int, iteration i: Int) -> String {
        path("logs", "trainer-\(i)-\(m).log")
    }
    public func evaluatorLog(iteration i: Int) -> String {
        path(Self.iterationName(i), "evaluator.log")
    }

    /// Where the merge parts of iteration `i` assemble (`PartCommit`; parts in
    /// `iteration-I/.merged.parts/`).
    public func mergedParts(iteration i: Int) -> String {
        path(Self.iterationName(i), "merged")
    }

    /// The checkpoint the SFT-anchored baseline at β writes (`{out}`).
    public func baselinePolicy(beta: Float) -> String {
        (baseline(beta: beta) as NSString).appendingPathComponent("policy")
    }
    /// The trainer's log of baseline `k` (1-based).
    public func baselineLog(_ k: Int) -> String { path("logs", "trainer-baseline-\(k).log") }

    /// The log a person reads first when `task` fails: the trainer's for a run, else the
    /// task's own.
    public func primaryLog(_ task: WarpTask) -> String {
        switch task {
        case let .train(i, m): trainerLog(m, iteration: i)
        case let .baseline(k): baselineLog(k)
        default: log(task)
        }
    }
}
