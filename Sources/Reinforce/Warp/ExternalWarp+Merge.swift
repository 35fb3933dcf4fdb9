import Foundation
import Merging
import SafeTensors

extension ExternalWarp {
    /// The merge task of iteration `i`, on the checkpoints in the run directory:
    ///
    ///     θ_η = (1−η)·θ_init + η·slerp(θ_init, {θ_m}, λ = 1/M)    for every η of `mergedEtas`
    ///
    /// through the merge engine in one pass (each θ_η committed atomically to
    /// `iteration-I/eta-X.XX/`, with the init's config and tokenizer files), then the next
    /// init (a copy of θ_η at `eta`, committed atomically) and the evaluator's scores of the
    /// front, in `iteration-I/evaluation.json`.
    /// - Throws: `MergeError`, `SafeTensorsError`, `ReinforceError.evaluatorFailed`.
    func merge(iteration i: Int) throws {
        let initPath = initialPath(iteration: i)
        let runs = (1...settings.runs).map { directory.runPolicy($0, iteration: i) }
        let initial = try Checkpoint.open(initPath)
        let models = try runs.map { try Checkpoint.open($0) }
        let etas = settings.mergedEtas
        let plan = MergePlan(
            method: .slerp, granularity: settings.granularity, etas: etas, threads: 1)
        let merge = try MergeEngine.prepare(plan, init: initial, models: models)
        var sinks: [any MergeSink] = []
        do {
            for eta in etas {
                let recipe = MergeRecipe(plan: plan, models: runs, initial: initPath, eta: eta)
                sinks.append(
                    try CheckpointWriter(
                        path: directory.liti(eta: eta, iteration: i),
                        tensors: merge.outputTensors, metadata: recipe.metadata(),
                        inputs: runs + [initPath], auxiliaryFrom: initPath,
                        extraFiles: ["README.md": Array(recipe.modelCard().utf8)],
                        replacing: .anyCheckpoint))
            }
        } catch {
            for s in sinks { s.abort() }
            throw error
        }
        log?("iteration \(i): merging \(runs.count) runs (SLERP + LITI at \(etas.count) η)")
        let report = try merge.run(into: sinks)
        for w in report.warnings { log?("warning: \(w)") }
        if i < settings.iterations {
            try Self.copyCheckpoint(
                from: directory.liti(eta: settings.eta, iteration: i),
                to: directory.initial(iteration: i + 1))
        }
        var front: [ExternalWarpSummary.FrontPoint] = []
        for eta in settings.front {
            let path = directory.liti(eta: eta, iteration: i)
            front.append(
                .init(eta: eta, checkpoint: path, scores: try evaluate(path, iteration: i)))
        }
        let record = ExternalWarpSummary.Iteration(
            index: i, runs: runRecords(iteration: i), front: front,
            mergedTensors: report.groups.reduce(0) { $0 + $1.tensors },
            mergeWarnings: report.warnings)
        try writeJSON(record, to: directory.evaluation(iteration: i))
    }

    /// The runs of iteration `i` as their completion markers recorded them.
    func runRecords(iteration i: Int) -> [ExternalWarpSummary.Run] {
        (1...settings.runs).map { m in
            let r = record(.train(iteration: i, run: m)) ?? [:]
            return .init(
                name: WarpRunDirectory.runName(m), seed: r["seed"],
                policy: directory.runPolicy(m, iteration: i),
                log: directory.trainerLog(m, iteration: i),
                seconds: r["seconds"].flatMap(Double.init))
        }
    }

    /// The evaluator's scores of `checkpoint`: the JSON object it prints on stdout (or an
    /// array holding one object, as `mergetool eval --json` prints), which must hold a
    /// numeric `reward` and `kl`. Nil without an evaluator.
    /// - Throws: `ReinforceError.evaluatorFailed` naming the checkpoint and the log.
    func evaluate(_ checkpoint: String, iteration i: Int) throws -> [String: JSONValue]? {
        guard let evaluator = config.evaluator else { return nil }
        let log = directory.evaluatorLog(iteration: i)
        let values = [
            ("checkpoint", checkpoint), ("sft", sftPolicy),
            ("eval_seed", "\(settings.evaluationSettings.seed)"),
        ]
        appendLine("== \(evaluator.expanded(values))", to: log)
        let (ending, stdout) = evaluator.run(values, log: log, captureStdout: true)
        func fail(_ reason: String) -> ReinforceError {
            .evaluatorFailed(checkpoint: checkpoint, log: log, reason: reason)
        }
        if let failure = WarpCommandTemplate.failure(ending) { throw fail("evaluator " + failure) }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(stdout))
        } catch {
            throw fail(
                "its output is not JSON: \(String(decoding: stdout.prefix(200), as: UTF8.self))")
        }
        let object: [String: JSONValue]
        switch value {
        case .object(let o): object = o
        case .array(let a) where a.count == 1:
            guard case .object(let o) = a[0] else { throw fail("its output is not a JSON object") }
            object = o
        default: throw fail("its output is not a JSON object")
        }
        for key in ["reward", "kl"] where object[key]?.number == nil {
            throw fail("its JSON has no numeric '\(key)'")
        }
        return object
    }

    /// Copies checkpoint directory `source` to `target` through a staged directory, so
    /// `target` is the old or the complete new copy, never a part.
    static func copyCheckpoint(from source: String, to target: String) throws {
        let staged = try StagedDirectory(path: target, inputs: [source], replacing: .anyCheckpoint)
        do {
            for name in try FileManager.default.contentsOfDirectory(atPath: source) {
                try FileManager.default.copyItem(
                    atPath: (source as NSString).appendingPathComponent(name),
                    toPath: (staged.temporaryPath as NSString).appendingPathComponent(name))
            }
            try staged.commit()
        } catch {
            staged.abort()
            throw error
        }
    }

    /// The summary task: every iteration's record, `summary.json` and `front.txt`.
    func writeSummary() throws {
        var summary = ExternalWarpSummary(
            settings: settings, trainer: config.trainer.text, evaluator: config.evaluator?.text,
            sft: sftPolicy)
        for i in 1...settings.iterations {
            let path = directory.evaluation(iteration: i)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ReinforceError.fileNotFound(path: path)
            }
            do {
                summary.iterations.append(
                    try JSONDecoder().decode(ExternalWarpSummary.Iteration.self, from: data))
            } catch {
                throw ReinforceError.unreadableFile(path: path, reason: "\(error)")
            }
        }
        for task in tasks where task != .summary {
            if let s = record(task)?["seconds"].flatMap(Double.init) {
                summary.seconds[task.description] = s
            }
        }
        try writeJSON(summary, to: directory.summary)
        try writeText(summary.table(), to: directory.table)
    }
}
