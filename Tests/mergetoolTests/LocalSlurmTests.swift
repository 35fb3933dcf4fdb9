import Foundation
import TestSupport
import Testing

/// The private single-node Slurm cluster of `scripts/local-slurm.sh` (the cluster the WARP
/// Slurm tests run on): it starts with its own config, munge key and ports, runs a job array
/// and a job that depends on it (`afterok`), and stops exactly the daemons it started.
@Suite(.serialized) struct LocalSlurmTests {
    static let script = Binary.packageRoot + "/scripts/local-slurm.sh"
    static let hasSlurm = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged"]
        .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `command` with bash; output goes through a file, not a pipe, so daemons the
    /// command starts cannot keep the reader waiting.
    @discardableResult
    static func shell(_ command: String, env: [String: String] = [:]) throws -> (
        status: Int32, output: String
    ) {
        let r = try Binary.execute(
            "/bin/bash", ["-c", "( \(command) ) 2>&1"],
            in: FileManager.default.currentDirectoryPath,
            environment: ProcessInfo.processInfo.environment.merging(env) { $1 })
        return (r.status, r.stdout)
    }

    static func alive(_ pidFile: String) -> Bool {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return false }
        return kill(pid, 0) == 0
    }

    @Test(.enabled(if: hasSlurm, "slurm-wlm and munge are not installed (make deps installs them)"))
    func arrayAndDependencyRunOnPrivateCluster() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("slurm-\(UUID().uuidString.prefix(8))").path
        let start = try Self.shell("\(Self.script) start \(dir)")
        defer {
            _ = try? Self.shell("\(Self.script) stop \(dir)")
            try? FileManager.default.removeItem(atPath: dir)
        }
        try #require(start.status == 0, "cluster did not start: \(start.output)")
        let pids = ["munged", "slurmctld", "slurmd"].map { "\(dir)/run/\($0).pid" }
        #expect(pids.allSatisfy(Self.alive))
        let env = ["SLURM_CONF": dir + "/slurm.conf"]
        let script = """
            set -e; cd \(dir)
            a=$(sbatch --parsable --array=1-2 -o '\(dir)/a-%a.log' \
                --wrap 'echo "task $SLURM_ARRAY_TASK_ID" > \(dir)/out-$SLURM_ARRAY_TASK_ID')
            b=$(sbatch --parsable --dependency=afterok:$a -o '\(dir)/b.log' \
                --wrap 'cat \(dir)/out-1 \(dir)/out-2 > \(dir)/after')
            for i in $(seq 300); do
                [ -s \(dir)/after ] && [ -z "$(squeue -h -j $b 2>/dev/null)" ] && break
                sleep 0.2
            done
            cat \(dir)/after
            """
        let run = try Self.shell(script, env: env)
        #expect(run.status == 0)
        #expect(run.output.contains("task 1\ntask 2"))
        let stop = try Self.shell("\(Self.script) stop \(dir)")
        #expect(stop.status == 0)
        #expect(!pids.contains(where: Self.alive))
    }
}
