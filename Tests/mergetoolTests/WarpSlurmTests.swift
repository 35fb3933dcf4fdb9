import Foundation
import Reinforce
import Testing

/// WARP on the private single-node Slurm cluster of `scripts/local-slurm.sh`: the jobs run
/// `mergetool warp step` on the run directory; the result equals the local executor's, also
/// after a training job is cancelled with scancel and the command is run again.
@Suite("warp on a Slurm cluster", .serialized)
struct WarpSlurmTests {
    static let enabled = WarpBinary.exists && LocalSlurmTests.hasSlurm

    @Test(.enabled(if: enabled, "needs .build/debug/mergetool, slurm-wlm and munge"))
    func slurmRunEqualsLocalAndResumesAfterScancel() throws {
        let dir = try WarpBinary.setUp()
        let cluster = dir + "/cluster"
        let start = try WarpBinary.shell("\(LocalSlurmTests.script) start \(cluster)")
        defer {
            _ = try? WarpBinary.shell("\(LocalSlurmTests.script) stop \(cluster)")
            try? FileManager.default.removeItem(atPath: dir)
        }
        try #require(start.status == 0, "cluster did not start: \(start.output)")
        let env = ["SLURM_CONF": cluster + "/slurm.conf"]
        let common =
            WarpBinary.common(sft: dir + "/sft/policy") + [
                "--evaluator", WarpBinary.evaluator,
            ]
        // 1. local executor and Slurm executor: the same front
        let local = try WarpBinary.run(
            ["warp", "--run-dir", dir + "/local", "--trainer", WarpBinary.trainer] + common)
        try #require(local.status == 0, "\(local.output)")
        let slurm = try WarpBinary.run(
            [
                "warp", "--run-dir", dir + "/slurm", "--trainer", WarpBinary.trainer,
                "--executor", "slurm", "--wait", "--time", "00:10:00",
            ] + common, env: env)
        try #require(slurm.status == 0, "\(slurm.output)")
        let expected = try WarpBinary.front(dir + "/local/summary.json")
        #expect(expected.count == 6)
        #expect(try WarpBinary.front(dir + "/slurm/summary.json") == expected)
        let status = try WarpBinary.run(["warp", "status", dir + "/slurm"], env: env)
        #expect(status.output.contains("8/8 tasks done"))

        // 1b. one iteration with the merge as a job array of 2 parts and an assembling job:
        // iteration 1 of the local front (seeds depend on the iteration, not on I)
        let parts = try WarpBinary.run(
            [
                "warp", "--run-dir", dir + "/parts", "--trainer", WarpBinary.trainer,
                "--executor", "slurm", "--wait", "--merge-parts", "2",
            ] + common + ["--iterations", "1"], env: env)
        try #require(parts.status == 0, "\(parts.output)")
        #expect(parts.output.contains("warp-merge-parts-1: job"), "\(parts.output)")
        #expect(try WarpBinary.front(dir + "/parts/summary.json") == Array(expected.prefix(3)))
        for name in ["eta-0.30", "eta-1.00"] {
            #expect(
                try WarpBinary.tensors(dir + "/parts/iteration-1/" + name)
                    == WarpBinary.tensors(dir + "/local/iteration-1/" + name), "\(name)")
        }
        let partStatus = try WarpBinary.run(["warp", "status", dir + "/parts"], env: env)
        #expect(partStatus.output.contains("merge:1:2/2   done"), "\(partStatus.output)")
        #expect(partStatus.output.contains("7/7 tasks done"))

        // 2. a run cancelled mid-training; the rerun finishes with the same result
        let slow = "sleep 2; " + WarpBinary.trainer
        let args =
            ["warp", "--run-dir", dir + "/cancel", "--trainer", slow, "--executor", "slurm"]
            + common
        let submitted = try WarpBinary.run(args, env: env)
        try #require(submitted.status == 0, "\(submitted.output)")
        let jobs = SlurmWarpExecutor.recordedJobs(WarpRunDirectory(dir + "/cancel"))
        let array = try #require(jobs.first { $0.name == "warp-train-1" }?.id)
        let running = try WarpBinary.shell(
            """
            for i in $(seq 600); do
                squeue -h -r -j \(array) -o '%i %T' | grep -q '^\(array)_1 RUNNING' && break
                sleep 0.1
            done
            scancel \(array)_1
            for i in $(seq 600); do
                [ -z "$(squeue -h -r -o %i | grep '^\(array)_1$')" ] && break
                sleep 0.1
            done
            """, env: env)
        #expect(running.status == 0)
        let afterCancel = try WarpBinary.run(["warp", "status", dir + "/cancel"], env: env)
        #expect(afterCancel.output.contains("train:1:1     failed"), "\(afterCancel.output)")
        #expect(afterCancel.output.contains("\(dir)/cancel/logs/trainer-1-1.log"))
        #expect(afterCancel.output.contains("merge:1       pending"))
        let resumed = try WarpBinary.run(args + ["--wait"], env: env)
        try #require(resumed.status == 0, "\(resumed.output)")
        #expect(try WarpBinary.front(dir + "/cancel/summary.json") == expected)
        let queue = try WarpBinary.shell("squeue -h", env: env)
        #expect(queue.output.isEmpty, "jobs left in the queue: \(queue.output)")
    }
}
