import Foundation
import Merging
import SafeTensors

extension ExternalWarp {
    /// The placeholder values of run `m` of iteration `i` (`WarpCommandTemplate`).
    public func trainerValues(iteration i: Int, run m: Int) -> [(String, String)] {
        let seeds = settings.seeds
        return [
            ("init", initialPath(iteration: i)),
            ("out", directory.runPolicy(m, iteration: i)),
            ("seed", "\(seeds.seed(.runSampling, iteration: i, run: m))"),
            ("run", "\(m)"),
            ("iteration", "\(i)"),
            ("steps", "\(settings.steps)"),
            ("sft", sftPolicy),
            ("workdir", directory.run(m, iteration: i)),
            ("prompt_seed", "\(seeds.seed(.runPrompts, iteration: i, run: m))"),
            ("eval_seed", "\(settings.evaluationSettings.seed)"),
            ("anchor", "ema"),
            ("beta", "\(settings.reinforce.beta)"),
        ]
    }

    /// The placeholder values of the SFT-anchored baseline `k` (1-based, β = `baselines[k−1]`):
    /// from θ_sft with `{anchor}` `sft`, its own seeds (`baselineSettings`), `{steps}` the
    /// baseline's steps, `{iteration}` 0 and `{run}` k.
    public func baselineValues(_ k: Int) -> [(String, String)] {
        let beta = config.baselines[k - 1]
        let run = settings.baselineSettings(beta: beta, index: k - 1)
        return [
            ("init", sftPolicy),
            ("out", directory.baselinePolicy(beta: beta)),
            ("seed", "\(run.reinforce.seed)"),
            ("run", "\(k)"),
            ("iteration", "0"),
            ("steps", "\(run.steps)"),
            ("sft", sftPolicy),
            ("workdir", directory.baseline(beta: beta)),
            ("prompt_seed", "\(run.promptSeed)"),
            ("eval_seed", "\(settings.evaluationSettings.seed)"),
            ("anchor", "sft"),
            ("beta", "\(beta)"),
        ]
    }

    /// The train task: runs the trainer command for run `m` of iteration `i`, its output in
    /// `logs/trainer-I-M.log`, then checks the checkpoint it wrote to `{out}` against θ_init
    /// (same tensors, shapes and dtypes: the merge engine's family check). A previous
    /// attempt's `{out}` is removed first (it was never marked done); `{workdir}` is kept, so a
    /// trainer that resumes from its own checkpoints there does.
    /// - Returns: the run's record for its completion marker (seed, command).
    /// - Throws: `ReinforceError.trainerFailed` naming the run and its log.
    func train(iteration i: Int, run m: Int) throws -> [String: String] {
        try runTrainer(
            trainerValues(iteration: i, run: m), name: "iteration \(i) run \(m)",
            log: directory.trainerLog(m, iteration: i), reference: initialPath(iteration: i))
    }

    /// The baseline task: the trainer from θ_sft with an SFT anchor at the k-th β.
    func trainBaseline(_ k: Int) throws -> [String: String] {
        let beta = config.baselines[k - 1]
        return try runTrainer(
            baselineValues(k), name: "baseline β=\(beta)",
            log: directory.baselineLog(k), reference: sftPolicy)
    }

    /// Runs the trainer with `values` (`{out}` removed first, `{workdir}` created), its
    /// output appended to `log`, and checks `{out}` against `reference`.
    func runTrainer(
        _ values: [(String, String)], name: String, log: String, reference: String
    ) throws -> [String: String] {
        let fm = FileManager.default
        let value = Dictionary(values, uniquingKeysWith: { a, _ in a })
        let out = value["out"]!
        if fm.fileExists(atPath: out) { try fm.removeItem(atPath: out) }
        try fm.createDirectory(atPath: value["workdir"]!, withIntermediateDirectories: true)
        let command = config.trainer.expanded(values)
        appendLine(
            "== \(ISO8601DateFormatter().string(from: Date())) on \(Self.hostName): \(command)",
            to: log)
        self.log?("\(name): \(command)")
        let (ending, _) = config.trainer.run(values, log: log, captureStdout: false)
        if let failure = WarpCommandTemplate.failure(ending) {
            throw ReinforceError.trainerFailed(run: name, log: log, reason: "trainer " + failure)
        }
        try checkCheckpoint(out, against: reference, run: name, log: log)
        return [
            "seed": value["seed"] ?? "", "prompt_seed": value["prompt_seed"] ?? "",
            "command": command, "log": log, "policy": out,
        ]
    }

    /// Checks that `out` is a checkpoint of θ_init's family: every tensor of the init, with
    /// the same shape and dtype, and no other.
    /// - Throws: `ReinforceError.trainerFailed` with the reason (missing checkpoint, missing
    ///   or extra tensor, shape or dtype mismatch) and the log.
    func checkCheckpoint(_ out: String, against reference: String, run name: String, log: String)
        throws
    {
        do {
            let initial = try Checkpoint.open(reference)
            guard FileManager.default.fileExists(atPath: out) else {
                throw ReinforceError.fileNotFound(path: out)
            }
            let trained = try Checkpoint.open(out)
            let plan = MergePlan(method: .liti, etas: [1], threads: 1)
            _ = try MergeEngine.prepare(plan, init: initial, models: [trained])
            let have = Set(initial.tensors.map(\.name))
            for t in trained.tensors where !have.contains(t.name) {
                throw MergeError.missingTensor(
                    tensor: t.name, missingIn: reference, presentIn: out)
            }
            for (a, b) in zip(
                initial.tensors.sorted { $0.name < $1.name },
                trained.tensors.sorted { $0.name < $1.name })
            where a.dtype != b.dtype {
                throw MergeError.unequalTensor(
                    tensor: a.name, files: [reference, out],
                    dtypes: [a.dtype, b.dtype])
            }
        } catch {
            throw ReinforceError.trainerFailed(
                run: name, log: log,
                reason: "its checkpoint \(out) does not match the init: \(error)")
        }
    }

    func appendLine(_ line: String, to path: String) {
        let data = Data((line + "\n").utf8)
        if let handle = FileHandle(forWritingAtPath: path) {
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: data)
        } else {
            _ = FileManager.default.createFile(atPath: path, contents: data)
        }
    }
}
