import ArgumentParser
import Foundation
import Reinforce

/// `mergetool warp status DIR`: every task of a run directory as pending, running, done or
/// failed, with its log (from the completion markers and, for a Slurm run, squeue).
struct WarpStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show each run and merge of a WARP run directory: pending, running, done, failed.",
        discussion: """
            A task is done when its completion marker (DIR/steps/NAME.done) exists; a Slurm \
            job's state comes from squeue; a job that left the queue without completing its \
            task is failed (cancelled, killed or failed). Rerun the same `mergetool warp` \
            command to redo what is missing.
            """)

    @Argument(help: "The run directory (written by mergetool warp with --trainer/--executor).")
    var runDir: String

    func run() throws {
        guard FileManager.default.fileExists(atPath: WarpRunDirectory(runDir).configuration) else {
            throw ReinforceError.fileNotFound(
                path: WarpRunDirectory(runDir).configuration
                    + " (status follows runs started with --trainer, --evaluator or --executor)")
        }
        let warp = try ExternalWarp.open(directory: runDir)
        var queue: [String: Slurm.QueuedJob]?
        if !SlurmWarpExecutor.recordedJobs(warp.directory).isEmpty {
            do {
                queue = try Slurm.queue()
            } catch {
                FileHandle.standardError.write(
                    Data("warning: squeue failed, states from markers only: \(error)\n".utf8))
            }
        }
        let statuses = WarpTaskStatus.collect(warp, queue: queue)
        print(WarpTaskStatus.table(statuses), terminator: "")
        let done = statuses.filter { $0.state == .done }.count
        print("\(done)/\(statuses.count) tasks done")
    }
}
