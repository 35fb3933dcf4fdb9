import ArgumentParser
import Foundation
import Reinforce

/// `mergetool warp step --run-dir D --step TASK`: runs one task of a run directory (what a
/// Slurm job runs). Hidden: the executors call it.
struct WarpStepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract:
            "Run one task of a WARP run directory (sft, baseline:K, train:I:M, merge:I:K/N, "
            + "merge:I, summary).",
        shouldDisplay: false)

    @Option(name: .customLong("run-dir"), help: "The run directory (its warp.json).")
    var runDir: String
    @Option(help: "The task: sft, baseline:K, train:I:M, merge:I:K/N, merge:I or summary.")
    var step: String

    func validate() throws {
        if WarpTask(step) == nil {
            throw ValidationError(
                "--step must be sft, baseline:K, train:I:M, merge:I:K/N, merge:I or summary, "
                    + "got '\(step)'")
        }
    }

    func run() throws {
        BLASThreads.set(BLASThreads.reproducible)
        let warp = try ExternalWarp.open(directory: runDir)
        warp.log = { stderrLine($0) }
        let task = WarpTask(step)!
        if warp.isDone(task) {
            print("\(task): already done")
            return
        }
        try warp.run(task)
        print("\(task): done")
    }
}
