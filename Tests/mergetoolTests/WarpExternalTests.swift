import Foundation
import Reinforce
import Testing

@testable import mergetool

/// The built mergetool binary and a tiny WARP setup shared by the external-trainer and Slurm
/// tests: a 1-block, d = 16 SFT policy, 2 iterations of 2 runs of 4 steps.
enum WarpBinary {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let path = root + "/.build/debug/mergetool"
    static let exists = FileManager.default.isExecutableFile(atPath: path)

    /// The loop's flags (with `--sft`, so no SFT is trained by the loop).
    static func common(sft: String) -> [String] {
        [
            "--sft", sft, "--iterations", "2", "--runs", "2", "--steps", "4", "--baseline",
            "none", "--eval-prompts", "8", "--batch", "4", "--new-tokens", "6", "--eval-every",
            "4", "--front", "0,0.5,1", "--quiet",
        ]
    }

    /// `mergetool train rl` with the same run settings as `common` (the loop's defaults for
    /// the rest), so its runs are the built-in loop's runs.
    static let trainer =
        "\(path) train rl --init {init} --sft {sft} -o {workdir} --anchor ema --mu 0.01 "
        + "--beta 0.1 --steps {steps} --batch 4 --new-tokens 6 --temperature 0.9 --lr 0.002 "
        + "--seed {seed} --prompt-seed {prompt_seed} --quiet"
    /// `mergetool eval` with the loop's held-out evaluation (one BLAS thread, as in process).
    static let evaluator =
        "OPENBLAS_NUM_THREADS=1 \(path) eval {checkpoint} --sft {sft} --json --prompts 8 "
        + "--new-tokens 6 --seed {eval_seed}"

    /// Runs `command` with bash, output through a file (daemons or children cannot hold a
    /// pipe open).
    @discardableResult
    static func shell(_ command: String, env: [String: String] = [:]) throws -> (
        status: Int32, output: String
    ) {
        let log = FileManager.default.temporaryDirectory
            .appendingPathComponent("warp-test-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "( \(command) ) > '\(log)' 2>&1"]
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// `mergetool ARGS` (each argument quoted).
    @discardableResult
    static func run(_ args: [String], env: [String: String] = [:]) throws -> (
        status: Int32, output: String
    ) {
        try shell(([path] + args).map(WarpCommandTemplate.quoted).joined(separator: " "), env: env)
    }

    /// A fresh directory with a tiny SFT policy in `sft/policy`.
    static func setUp() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("warp-ext-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let sft = try run([
            "train", "sft", "-o", dir + "/sft", "--steps", "20", "--layers", "1", "--d-model",
            "16", "--heads", "2", "--quiet",
        ])
        try #require(sft.status == 0, "\(sft.output)")
        return dir
    }

    /// (iteration, η, reward, KL) of every front point of a summary.json, built-in or external.
    static func front(_ summaryPath: String) throws -> [[Double]] {
        let data = try #require(FileManager.default.contents(atPath: summaryPath))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let iterations = try #require(json["iterations"] as? [[String: Any]])
        return try iterations.flatMap { it -> [[Double]] in
            let index = try #require(it["index"] as? Int)
            let front = try #require(it["front"] as? [[String: Any]])
            return try front.map { p in
                let scores = try #require(
                    (p["evaluation"] ?? p["scores"]) as? [String: Any])
                return [
                    Double(index), try #require(p["eta"] as? Double),
                    try #require(scores["reward"] as? Double),
                    try #require(scores["kl"] as? Double),
                ]
            }
        }
    }

    /// Tensor bytes of a checkpoint's weights files (`model.safetensors` or its shards;
    /// header metadata differs between writers).
    static func tensors(_ dir: String) throws -> [String: [UInt8]] {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasSuffix(".safetensors") }.sorted()
        try #require(!files.isEmpty, "no weights in \(dir)")
        var out: [String: [UInt8]] = [:]
        for file in files {
            let data = try #require(FileManager.default.contents(atPath: dir + "/" + file))
            let bytes = [UInt8](data)
            let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let header = try #require(
                try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
            for (name, value) in header where name != "__metadata__" {
                let offsets = try #require((value as? [String: Any])?["data_offsets"] as? [Int])
                out[name] = Array(bytes[(8 + n + offsets[0])..<(8 + n + offsets[1])])
            }
        }
        return out
    }
}

@Suite("warp with an external trainer and evaluator", .serialized)
struct WarpExternalTests {
    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func trainRLAsExternalTrainerGivesTheBuiltinLoop() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = WarpBinary.common(sft: dir + "/sft/policy")
        let builtin = try WarpBinary.run(["warp", "--run-dir", dir + "/builtin"] + common)
        try #require(builtin.status == 0, "\(builtin.output)")
        let external = try WarpBinary.run(
            ["warp", "--run-dir", dir + "/external"] + common + [
                "--trainer", WarpBinary.trainer, "--evaluator", WarpBinary.evaluator,
            ])
        try #require(external.status == 0, "\(external.output)")
        let a = try WarpBinary.front(dir + "/builtin/summary.json")
        let b = try WarpBinary.front(dir + "/external/summary.json")
        #expect(a.count == 6)
        #expect(a == b)
        for i in 1...2 {
            for name in ["run-1/policy", "run-2/policy", "eta-0.30", "eta-1.00"] {
                let path = "/iteration-\(i)/" + name
                #expect(
                    try WarpBinary.tensors(dir + "/builtin" + path)
                        == WarpBinary.tensors(dir + "/external" + path), "\(path)")
            }
        }
        // Rerunning a finished run redoes nothing and prints the same table.
        let again = try WarpBinary.run(
            ["warp", "--run-dir", dir + "/external"] + common + [
                "--trainer", WarpBinary.trainer, "--evaluator", WarpBinary.evaluator,
            ])
        #expect(again.status == 0)
        #expect(try WarpBinary.front(dir + "/external/summary.json") == b)
    }

    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func wrongCheckpointNamesTheRunAndItsLog() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // a "trainer" that writes the init in f16: same tensors and shapes, other dtypes
        let trainer = "\(WarpBinary.path) convert {init} -o {out} --dtype f16"
        let run = try WarpBinary.run(
            ["warp", "--run-dir", dir + "/w", "--trainer", trainer, "--parallel", "1"]
                + WarpBinary.common(sft: dir + "/sft/policy"))
        #expect(run.status != 0)
        let lines = run.output.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(lines.count == 1)
        let line = String(lines.first ?? "")
        #expect(line.contains("iteration 1 run 1"))
        #expect(line.contains("does not match the init"))
        #expect(line.contains("F16") || line.contains("f16"))
        #expect(line.contains(dir + "/w/logs/trainer-1-1.log"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/w/iteration-1/eta-1.00"))
        let status = try WarpBinary.run(["warp", "status", dir + "/w"])
        #expect(status.status == 0)
        #expect(status.output.contains("sft           done"))
        #expect(status.output.contains("train:1:1     failed"))
        #expect(status.output.contains("merge:1       pending"))
    }

    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func failedRunIsRedoneByTheSameCommand() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // run 2 of iteration 2 fails once (after writing part of a checkpoint), then trains
        // (its marker lives outside {workdir}, which `train rl -o` owns)
        let flaky =
            "if [ {iteration} = 2 ] && [ {run} = 2 ] && [ ! -e \(dir)/failed-once ]; then "
            + "mkdir -p {out}; echo partial > {out}/model.safetensors; "
            + "touch \(dir)/failed-once; exit 3; fi; " + WarpBinary.trainer
        let common = WarpBinary.common(sft: dir + "/sft/policy")
        let args =
            [
                "warp", "--run-dir", dir + "/w", "--trainer", flaky, "--evaluator",
                WarpBinary.evaluator,
            ]
            + common
        let first = try WarpBinary.run(args)
        #expect(first.status != 0)
        #expect(
            first.output.contains(
                "error: iteration 2 run 2: trainer exited with status 3 (trainer log: "
                    + dir + "/w/logs/trainer-2-2.log)"), "\(first.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/w/steps/train-2-2.done"))
        #expect(FileManager.default.fileExists(atPath: dir + "/w/steps/merge-1.done"))
        let second = try WarpBinary.run(args)
        try #require(second.status == 0, "\(second.output)")
        let builtin = try WarpBinary.run(["warp", "--run-dir", dir + "/builtin"] + common)
        try #require(builtin.status == 0, "\(builtin.output)")
        #expect(
            try WarpBinary.front(dir + "/w/summary.json")
                == WarpBinary.front(dir + "/builtin/summary.json"))
        // the merge of iteration 1 was not redone: its log holds one attempt
        let mergeLog = try String(contentsOfFile: dir + "/w/logs/merge-1.log", encoding: .utf8)
        #expect(mergeLog.components(separatedBy: "merge:1 done").count == 2)
    }

    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func controllerKilledMidRunResumes() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = WarpBinary.common(sft: dir + "/sft/policy")
        let slow = "sleep 1; " + WarpBinary.trainer
        let args =
            [
                "warp", "--run-dir", dir + "/w", "--trainer", slow, "--evaluator",
                WarpBinary.evaluator,
            ]
            + common
        let p = Process()
        p.executableURL = URL(fileURLWithPath: WarpBinary.path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let marker = dir + "/w/steps/train-2-1.running"
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: marker) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        p.terminate()  // SIGTERM while iteration 2 trains: its trainers are killed with it
        p.waitUntilExit()
        #expect(p.terminationStatus == 143)
        #expect(!FileManager.default.fileExists(atPath: dir + "/w/steps/train-2-1.done"))
        let resumed = try WarpBinary.run(args)
        try #require(resumed.status == 0, "\(resumed.output)")
        let builtin = try WarpBinary.run(["warp", "--run-dir", dir + "/builtin"] + common)
        try #require(builtin.status == 0, "\(builtin.output)")
        #expect(
            try WarpBinary.front(dir + "/w/summary.json")
                == WarpBinary.front(dir + "/builtin/summary.json"))
    }

    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func evaluatorWithoutKLIsNamed() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try WarpBinary.run(
            [
                "warp", "--run-dir", dir + "/w", "--trainer", WarpBinary.trainer, "--evaluator",
                #"echo '{"reward": 0.5}'"#,
            ] + WarpBinary.common(sft: dir + "/sft/policy"))
        #expect(run.status != 0)
        #expect(
            run.output.contains(
                "error: evaluator on \(dir)/w/iteration-1/eta-0.00: its JSON has no numeric 'kl' "
                    + "(log: \(dir)/w/iteration-1/evaluator.log)"), "\(run.output)")
    }

    @Test func optionsAndPlaceholdersAreChecked() throws {
        func message(_ args: [String]) -> String? {
            do {
                let command = try MergeTool.parseAsRoot(["warp", "--run-dir", "d"] + args)
                if let warp = command as? WarpCommand { _ = try warp.externalConfig().validate() }
                return nil
            } catch {
                return MergeTool.message(for: error)
            }
        }
        #expect(message(["--wait"])?.contains("need --executor slurm") == true)
        #expect(message(["--executor", "slurm", "--wait", "--emit", "x"]) != nil)
        #expect(message(["--trainer", "t {nope}"])?.contains("unknown placeholder {nope}") == true)
        #expect(message(["--trainer", "t {init} {out}", "--evaluator", "e {checkpoint}"]) == nil)
        #expect(WarpTask("train:2:3") == .train(iteration: 2, run: 3))
        #expect(WarpTask("merge:0") == nil && WarpTask("train:1") == nil)
        for t in [WarpTask.sft, .summary, .merge(iteration: 4), .train(iteration: 1, run: 2)] {
            #expect(WarpTask(t.description) == t)
        }
        #expect(WarpCommandTemplate.quoted("a'b") == #"'a'\''b'"#)
        let template = WarpCommandTemplate("x {init} {init}")
        #expect(template.expanded([("init", "p q")]) == "x 'p q' 'p q'")
    }

    @Test func slurmScriptsCarryTheOptions() throws {
        var settings = WarpSettings()
        settings.iterations = 2
        settings.runs = 2
        let warp = try ExternalWarp(
            config: .init(
                settings: settings, trainer: .init("t {init} {out}"), evaluator: nil, sft: "/s"),
            directory: "/tmp/warp-run")
        var options = SlurmOptions()
        options.partition = "gpu"
        options.account = "lab"
        options.time = "01:00:00"
        options.gres = "gpu:1"
        options.extra = ["--mem=8G"]
        let slurm = SlurmWarpExecutor(warp: warp, options: options, program: "/bin/mergetool")
        let jobs = slurm.pendingJobs()
        #expect(
            jobs.map(\.name) == [
                "warp-sft", "warp-train-1", "warp-merge-1", "warp-train-2", "warp-merge-2",
            ])
        #expect(jobs.last?.tasks == ["merge:2", "summary"])
        let train = slurm.script(jobs[1])
        for line in [
            "#SBATCH --array=1,2", "#SBATCH --partition=gpu", "#SBATCH --account=lab",
            "#SBATCH --time=01:00:00", "#SBATCH --gres=gpu:1", "#SBATCH --mem=8G",
            "'/bin/mergetool' warp step --run-dir '/tmp/warp-run' --step \"train:1:${SLURM_ARRAY_TASK_ID}\"",
        ] {
            #expect(train.contains(line + "\n") || train.contains(line + " "), "\(line)")
        }
        let merge = slurm.script(jobs[4])
        #expect(!merge.contains("--gres"))
        #expect(merge.contains("--step merge:2 >>'/tmp/warp-run/logs/merge-2.log' 2>&1\n"))
        #expect(merge.contains("--step summary >>'/tmp/warp-run/logs/summary.log' 2>&1\n"))
    }

    @Test func emittedMergePartsAreAnArrayInTheAfterokChain() throws {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("warp-emit-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var settings = WarpSettings()
        settings.iterations = 2
        settings.baselines = [0.1]
        let warp = try ExternalWarp(
            config: .init(
                settings: settings, trainer: .init("t {init} {out} {anchor} {beta}"),
                evaluator: nil, sft: "/s", mergeParts: 3),
            directory: root + "/run")
        var options = SlurmOptions()
        options.gres = "gpu:1"
        let slurm = SlurmWarpExecutor(warp: warp, options: options, program: "/bin/mergetool")
        let written = try slurm.emit(to: root + "/emit")
        #expect(
            written.map { ($0 as NSString).lastPathComponent } == [
                "warp-sft.sbatch", "warp-baselines.sbatch", "warp-train-1.sbatch",
                "warp-merge-parts-1.sbatch", "warp-merge-1.sbatch", "warp-train-2.sbatch",
                "warp-merge-parts-2.sbatch", "warp-merge-2.sbatch", "submit.sh",
            ])
        let parts = try String(
            contentsOfFile: root + "/emit/warp-merge-parts-2.sbatch", encoding: .utf8)
        #expect(parts.contains("#SBATCH --array=1-3\n"), "\(parts)")
        #expect(!parts.contains("--gres"))
        #expect(
            parts.contains(
                "'/bin/mergetool' warp step --run-dir '\(root)/run' --step "
                    + "\"merge:2:${SLURM_ARRAY_TASK_ID}/3\" >>'\(root)/run/logs/merge-2-'"
                    + "\"${SLURM_ARRAY_TASK_ID}-of-3.log\" 2>&1\n"))
        let baselines = try String(
            contentsOfFile: root + "/emit/warp-baselines.sbatch", encoding: .utf8)
        #expect(baselines.contains("#SBATCH --array=1\n"))
        #expect(baselines.contains("#SBATCH --gres=gpu:1\n"))
        #expect(baselines.contains("--step \"baseline:${SLURM_ARRAY_TASK_ID}\""))
        let finish = try String(contentsOfFile: root + "/emit/warp-merge-2.sbatch", encoding: .utf8)
        #expect(finish.contains("--step merge:2 >>"))
        #expect(finish.contains("--step summary >>"))
        let submit = try String(contentsOfFile: root + "/emit/submit.sh", encoding: .utf8)
        for line in [
            "job0=$(sbatch --parsable '\(root)/emit/warp-sft.sbatch')",
            "job1=$(sbatch --parsable --dependency=afterok:$job0 '\(root)/emit/warp-baselines.sbatch')",
            "job2=$(sbatch --parsable --dependency=afterok:$job0 '\(root)/emit/warp-train-1.sbatch')",
            "job3=$(sbatch --parsable --dependency=afterok:$job2 '\(root)/emit/warp-merge-parts-1.sbatch')",
            "job4=$(sbatch --parsable --dependency=afterok:$job3 '\(root)/emit/warp-merge-1.sbatch')",
            "job5=$(sbatch --parsable --dependency=afterok:$job4 '\(root)/emit/warp-train-2.sbatch')",
            "job7=$(sbatch --parsable --dependency=afterok:$job6:$job1 '\(root)/emit/warp-merge-2.sbatch')",
        ] {
            #expect(submit.contains(line + "\n"), "\(line)")
        }
        // a part with its completion marker is not submitted again
        try FileManager.default.createDirectory(
            atPath: root + "/run/steps", withIntermediateDirectories: true)
        try Data("{}".utf8).write(
            to: URL(fileURLWithPath: root + "/run/steps/merge-1-2-of-3.done"))
        let jobs = slurm.pendingJobs()
        #expect(
            jobs.first { $0.name == "warp-merge-parts-1" }?.tasks == ["merge:1:1/3", "merge:1:3/3"])
        #expect(slurm.script(jobs[3]).contains("#SBATCH --array=1,3\n"))
        // a task of another split or a baseline the run does not have is refused
        for task in [WarpTask.mergePart(iteration: 1, part: 1, count: 2), .baseline(index: 2)] {
            let reason =
                "\(task) is not a task of \(warp.directory.root) (mergetool warp status lists them)"
            #expect(throws: ReinforceError.invalidOption(name: "step", reason: reason)) {
                try warp.run(task)
            }
        }
        #expect(WarpTask("merge:1:2/3") == .mergePart(iteration: 1, part: 2, count: 3))
        #expect(WarpTask("merge:1:4/3") == nil && WarpTask("baseline:0") == nil)
        #expect(WarpTask.mergePart(iteration: 1, part: 2, count: 3).fileName == "merge-1-2-of-3")
    }
}
