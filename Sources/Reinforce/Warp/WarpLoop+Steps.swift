import Diagnostics
import Foundation
import Merging

/// The merge step's output: θ_η for every η the loop writes, and the two it goes on with.
struct MergedFront {
    /// `settings.mergedEtas`, in order.
    let etas: [Double]
    /// θ_η = (1−η)·θ_init + η·θ_slerp, one per η of `etas`.
    let models: [GPT]
    /// θ_slerp (η = 1).
    let slerp: GPT
    /// The next init: θ_η at η = `settings.eta`.
    let next: GPT
    let report: MergeReport
}

/// The evaluate step's output: the iteration's summary and the angles report of its runs.
struct EvaluatedIteration {
    var iteration: WarpSummary.Iteration
    var angles: AngleReport
}

/// One iteration of Algorithm 1 as four steps, each a function of explicit inputs whose
/// outputs are also written to the run directory (`WarpStep` lists the files):
///
///     train     (θ_init, θ_sft)          → M runs              iteration-I/run-M/
///     merge     (θ_init, runs)           → θ_η for every η     iteration-I/eta-X.XX/
///     evaluate  (θ_init, runs, θ_η)      → rewards, KL, angles iteration-I/evaluation.json,
///                                                              angles.txt, angles.json
///     record    (θ_η, evaluations)       → front, next init    iteration-I/front.csv,
///                                                              iteration-(I+1)/init/
extension WarpLoop {
    /// Train step: the M EMA-anchored REINFORCE runs of iteration `i` from `initial`, in
    /// parallel, each in `iteration-I/run-M/` (resumed when interrupted).
    func trainRuns(_ i: Int, initial: GPT, sft: SFT, reward: any RewardFunction) throws
        -> [TrainedRun]
    {
        log?(
            "iteration \(i): \(settings.runs) REINFORCE runs of \(settings.steps) steps "
                + "(EMA anchor)")
        let jobs = (1...settings.runs).map { m in
            TrainJob(
                name: WarpRunDirectory.runName(m),
                settings: settings.runSettings(iteration: i, run: m),
                directory: directory?.run(m, iteration: i))
        }
        return try train(jobs, initial: initial, sft: sft, reward: reward)
    }

    /// Merge step: SLERP of the runs' task vectors w.r.t. θ_init (λ = 1/M) and the LITI front
    /// θ_η for every η of `settings.mergedEtas` (the front, `eta` and 1), in one engine pass.
    /// - Throws: `MergeError` (e.g. non-finite weights after a diverged run).
    /// Writes every θ_η to `iteration-I/eta-X.XX/`.
    /// - Throws: `MergeError` (e.g. non-finite weights after a diverged run), I/O errors.
    func mergeFront(_ i: Int, initial: GPT, runs: [TrainedRun], vocabulary: Vocabulary) throws
        -> MergedFront
    {
        let etas = settings.mergedEtas
        let prefix = WarpRunDirectory.iterationName(i)
        let (outputs, report) = try WarpMerge.run(
            WarpMerge.slerp(granularity: settings.granularity, etas: etas),
            init: initial, models: runs.map(\.policy),
            labels: (prefix + "/init", runs.map { prefix + "/" + $0.name }))
        if let dir = directory {
            for (eta, model) in zip(etas, outputs) {
                try PolicyCheckpoint.save(
                    model, vocabulary: vocabulary, to: dir.liti(eta: eta, iteration: i),
                    metadata: ["merge": "slerp+liti", "eta": "\(eta)"])
            }
        }
        return MergedFront(
            etas: etas, models: outputs, slerp: outputs[etas.firstIndex(of: 1)!],
            next: outputs[etas.firstIndex(of: settings.eta)!], report: report)
    }

    /// Evaluate step: θ_init, every run (θ_T and EMA) and every front point on the held-out
    /// prompts (common random numbers), and the angles between the runs. Writes
    /// `iteration-I/evaluation.json` and the angles report.
    func evaluateIteration(
        _ i: Int, initial: GPT, runs: [TrainedRun], merged: MergedFront,
        evaluator: PolicyEvaluator
    ) throws -> EvaluatedIteration {
        let initialEval = try evaluator.evaluate(initial, label: "iteration \(i) init")
        var front: [WarpSummary.FrontPoint] = []
        for (eta, model) in zip(merged.etas, merged.models) where settings.front.contains(eta) {
            let e = try evaluator.evaluate(
                model, label: String(format: "iteration %d eta=%.2f", i, eta))
            front.append(.init(eta: eta, evaluation: e))
        }
        let prefix = WarpRunDirectory.iterationName(i)
        let angles = try WarpAngles.analyse(
            models: runs.map { $0.policy.store(label: prefix + "/" + $0.name) },
            initial: initial.store(label: prefix + "/init"))
        var summaries: [WarpSummary.Run] = []
        for r in runs {
            let final = try evaluator.evaluate(r.policy, label: "iteration \(i) \(r.name)")
            let ema = try r.ema.map {
                try evaluator.evaluate($0, label: "iteration \(i) \(r.name) ema")
            }
            summaries.append(
                .init(
                    name: r.name, beta: settings.beta(iteration: i),
                    anchor: "ema(\(settings.mu))", trajectory: r.trajectory,
                    final: final, ema: ema, seconds: r.seconds))
        }
        let iteration = WarpSummary.Iteration(
            index: i, initial: initialEval, runs: summaries, front: front,
            taskVectorCosine: angles.task, weightCosine: angles.weight,
            mergedTensors: merged.report.groups.reduce(0) { $0 + $1.tensors },
            mergeWarnings: merged.report.warnings)
        if let dir = directory {
            try writeText(WarpSummary.json(iteration), to: dir.evaluation(iteration: i))
            try writeText(angles.report.table(), to: dir.anglesText(iteration: i))
            try writeText(angles.report.json(), to: dir.anglesJSON(iteration: i))
        }
        return EvaluatedIteration(iteration: iteration, angles: angles.report)
    }

    /// Record step: writes the evaluated front (`iteration-I/front.csv`) and, before the last
    /// iteration, the next init θ_η at η = `eta` (`iteration-(I+1)/init/`). Nothing without a
    /// run directory.
    func record(
        _ i: Int, merged: MergedFront, evaluated: EvaluatedIteration, vocabulary: Vocabulary
    ) throws {
        guard let dir = directory else { return }
        let rows = evaluated.iteration.front.map { p in
            var e = p.evaluation
            e.label = String(format: "eta=%.2f", p.eta)
            return e.csvRow
        }
        try writeText(
            ([EvaluationResult.csvHeader] + rows).joined(separator: "\n") + "\n",
            to: dir.frontCSV(iteration: i))
        if i < settings.iterations {
            try PolicyCheckpoint.save(
                merged.next, vocabulary: vocabulary, to: dir.initial(iteration: i + 1))
        }
    }
}
