import Foundation
import Merging
import SafeTensors

extension ExternalWarp {
    /// The merge of iteration `i` on the checkpoints in the run directory:
    ///
    ///     θ_η = (1−η)·θ_init + η·slerp(θ_init, {θ_m}, λ = 1/M)    for every η of `mergedEtas`
    ///
    /// through the merge engine in one pass; `part` restricts it to that share of the groups
    /// (`MergePartition`: whole groups, so the angles are the unsplit merge's).
    /// - Returns: the prepared engine, its plan and the inputs (init path, run paths).
    func prepareMerge(iteration i: Int, part: MergePart? = nil) throws -> (
        engine: MergeEngine, plan: MergePlan, initial: String, runs: [String]
    ) {
        let initPath = initialPath(iteration: i)
        let runs = (1...settings.runs).map { directory.runPolicy($0, iteration: i) }
        let initial = try Checkpoint.open(initPath)
        let models = try runs.map { try Checkpoint.open($0) }
        let plan = MergePlan(
            method: .slerp, granularity: settings.granularity, etas: settings.mergedEtas,
            threads: 1, part: part)
        return (try MergeEngine.prepare(plan, init: initial, models: models), plan, initPath, runs)
    }

    /// The merge task of iteration `i`. With one part: the SLERP + LITI merge (each θ_η
    /// committed atomically to `iteration-I/eta-X.XX/`, with the init's config and tokenizer
    /// files); with N parts: assembles the parts' files (`PartCommit`) and moves each θ_η to
    /// `iteration-I/eta-X.XX/`. Then the next init (a copy of θ_η at `eta`, committed
    /// atomically), the angles report of the runs and the evaluator's scores of the init and
    /// the front, in `iteration-I/evaluation.json`.
    /// - Throws: `MergeError`, `SafeTensorsError` (`.partsMissing` naming a part without its
    ///   files), `ReinforceError.evaluatorFailed`.
    func merge(iteration i: Int) throws {
        let etas = settings.mergedEtas
        var tensors = 0
        var warnings: [String] = []
        if config.partCount == 1 {
            let (merge, plan, initPath, runs) = try prepareMerge(iteration: i)
            var sinks: [any MergeSink] = []
            do {
                for eta in etas {
                    let recipe = MergeRecipe(
                        plan: plan, models: runs, initial: initPath, eta: eta)
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
            tensors = report.groups.reduce(0) { $0 + $1.tensors }
            warnings = report.warnings
        } else {
            try assembleParts(iteration: i)
            // the groups of the whole layout (headers only): what the parts merged together
            tensors = try prepareMerge(iteration: i).engine.layout.groups
                .reduce(0) { $0 + $1.tensors.count }
            for task in mergeParts(iteration: i) {
                warnings += (record(task)?["warnings"] ?? "").split(separator: "\n")
                    .map(String.init)
            }
        }
        for w in warnings { log?("warning: \(w)") }
        if i < settings.iterations {
            try Self.copyCheckpoint(
                from: directory.liti(eta: settings.eta, iteration: i),
                to: directory.initial(iteration: i + 1))
        }
        let cosines = try writeAngles(iteration: i)
        var front: [ExternalWarpSummary.FrontPoint] = []
        for eta in settings.front {
            let path = directory.liti(eta: eta, iteration: i)
            front.append(
                .init(eta: eta, checkpoint: path, scores: try evaluate(path, iteration: i)))
        }
        var record = ExternalWarpSummary.Iteration(
            index: i, runs: runRecords(iteration: i), front: front,
            mergedTensors: tensors, mergeWarnings: warnings)
        record.initial = try evaluate(initialPath(iteration: i), iteration: i)
        record.taskVectorCosine = cosines.task
        record.weightCosine = cosines.weight
        try writeJSON(record, to: directory.evaluation(iteration: i))
    }
    /// The runs of iteration `i` as their completion markers recorded them, with their
    /// held-out trajectories when the trainer wrote `{workdir}/eval.csv`.
    func runRecords(iteration i: Int) -> [ExternalWarpSummary.Run] {
        (1...settings.runs).map { m in
            let r = record(.train(iteration: i, run: m)) ?? [:]
            return .init(
                name: WarpRunDirectory.runName(m), seed: r["seed"],
                policy: directory.runPolicy(m, iteration: i),
                log: directory.trainerLog(m, iteration: i),
                seconds: r["seconds"].flatMap(Double.init),
                trajectory: trajectory(ofRun: directory.run(m, iteration: i)))
        }
    }

    /// The trajectory in `dir/eval.csv` (`RLRun`'s held-out log), or nil.
    func trajectory(ofRun dir: String) -> [TrajectoryPoint]? {
        let csv = WarpRunDirectory.evalCSV(ofRun: dir)
        guard FileManager.default.fileExists(atPath: csv) else { return nil }
        let e = settings.evaluationSettings
        return try? WarpLoop.trajectory(csv: csv, samples: e.promptCount * e.samplesPerPrompt)
    }

    /// The baselines with their trajectories and the evaluator's scores of their policies.
    func baselineRecords() throws -> [ExternalWarpSummary.Run] {
        try config.baselines.enumerated().map { index, beta in
            let k = index + 1
            let r = record(.baseline(index: k)) ?? [:]
            let policy = directory.baselinePolicy(beta: beta)
            return .init(
                name: WarpRunDirectory.baselineName(beta: beta), seed: r["seed"],
                policy: policy, log: directory.baselineLog(k),
                seconds: r["seconds"].flatMap(Double.init),
                trajectory: trajectory(ofRun: directory.baseline(beta: beta)), beta: beta,
                scores: try evaluate(policy, log: directory.path("logs", "evaluator-baselines.log"))
            )
        }
    }

    /// The evaluator's scores of `checkpoint`: the JSON object it prints on stdout (or an
    /// array holding one object, as `mergetool eval --json` prints), which must hold a
    /// numeric `reward` and `kl`. Nil without an evaluator.
    /// - Throws: `ReinforceError.evaluatorFailed` naming the checkpoint and the log.
    func evaluate(_ checkpoint: String, iteration i: Int) throws -> [String: JSONValue]? {
        try evaluate(checkpoint, log: directory.evaluatorLog(iteration: i))
    }

    /// `evaluate(_:iteration:)` with the evaluator's stderr appended to `log`.
    func evaluate(_ checkpoint: String, log: String) throws -> [String: JSONValue]? {
        guard let evaluator = config.evaluator else { return nil }
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
    /// With `link`, files are hard-linked where the filesystem allows (a move that keeps
    /// `source` whole until `target` is committed).
    static func copyCheckpoint(from source: String, to target: String, link: Bool = false)
        throws
    {
        let staged = try StagedDirectory(path: target, inputs: [source], replacing: .anyCheckpoint)
        do {
            for name in try FileManager.default.contentsOfDirectory(atPath: source) {
                let from = (source as NSString).appendingPathComponent(name)
                let to = (staged.temporaryPath as NSString).appendingPathComponent(name)
                if link, (try? FileManager.default.linkItem(atPath: from, toPath: to)) != nil {
                    continue
                }
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
            try staged.commit()
        } catch {
            staged.abort()
            throw error
        }
    }

    /// The summary task: every iteration's record, the baselines (evaluated here),
    /// `summary.json`, `front.txt` and the figures (`WarpFigures`, as the in-process loop
    /// draws them; none without an evaluator: nothing was scored).
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
        summary.baselines = try baselineRecords()
        for task in tasks where task != .summary {
            if let s = record(task)?["seconds"].flatMap(Double.init) {
                summary.seconds[task.description] = s
            }
        }
        try writeJSON(summary, to: directory.summary)
        try writeText(summary.table(), to: directory.table)
        if let drawn = summary.figureSummary() {
            for (figure, plot) in WarpFigures.all(drawn) {
                try writeText(plot.render(), to: directory.figure(figure))
            }
        }
    }
}
