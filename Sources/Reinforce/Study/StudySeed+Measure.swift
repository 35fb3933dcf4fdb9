import Diagnostics
import Foundation
import Merging

extension WarpLoop {
    /// The study's measurements of one finished seed: everything `StudySeed` holds, from the
    /// seed's `summary` and the policies in its run directory (iteration 1's init and runs),
    /// evaluated with the loop's own evaluator (its prompts and draws: common random numbers
    /// with every number of `summary`).
    ///
    /// Extra merges: LERP of the runs, SLERP at the other granularity, SLERP of the first M
    /// runs for M = 2 … min(runs, 4) (M = runs is the loop's own SLERP).
    /// - Throws: `ReinforceError` when a policy is missing, merge and evaluation errors.
    /// - Complexity: 2 + (min(runs, 4) − 2) merges and as many held-out evaluations.
    func measureSeed(_ summary: WarpSummary, sft: SFT, seconds: Double) throws -> StudySeed {
        guard let dir = directory, let it = summary.iterations.first else {
            throw ReinforceError.invalidOption(name: "study", reason: "no run directory")
        }
        let reward = try settings.makeReward()
        let evaluator = try makeEvaluator(
            sft: sft.model, reward: reward, vocabulary: sft.vocabulary)
        let initial = try PolicyCheckpoint.load(dir.initial(iteration: 1)).model
        let runs = try (1...settings.runs).map { m in
            try PolicyCheckpoint.load(
                (dir.run(m, iteration: 1) as NSString).appendingPathComponent("policy")
            ).model
        }
        let labels = ("init", runs.indices.map { "run-\($0 + 1)" })
        func merged(_ plan: MergePlan, _ models: [GPT]) throws -> StudySeed.Policy {
            let out = try WarpMerge.run(
                plan, init: initial, models: models,
                labels: (labels.0, Array(labels.1.prefix(models.count)))
            ).outputs[0]
            return StudySeed.Policy(try evaluator.evaluate(out, label: "\(plan.method)"))
        }
        let lerp = try merged(
            MergePlan(method: .lerp, outputDType: .f32, etas: [1], threads: 1), runs)
        let other: Granularity = settings.granularity == .layer ? .tensor : .layer
        let slerpOther = try merged(WarpMerge.slerp(granularity: other, etas: [1]), runs)
        guard let slerpPoint = it.front.first(where: { $0.eta == 1 }) else {
            throw ReinforceError.invalidOption(name: "study", reason: "the front has no η = 1")
        }
        let slerp = StudySeed.Policy(slerpPoint.evaluation)
        var byM: [Int: StudySeed.Policy] = [settings.runs: slerp]
        if settings.runs > 2 {
            for m in 2...min(settings.runs, 4) where m != settings.runs {
                byM[m] = try merged(
                    WarpMerge.slerp(granularity: settings.granularity, etas: [1]),
                    Array(runs.prefix(m)))
            }
        }
        let cosines = try seedCosines(runs: runs, initial: initial)
        func points(_ e: [EvaluationResult]) -> [MatchedKL.Point] {
            e.map { MatchedKL.Point(kl: $0.kl, reward: $0.reward) }
        }
        func trajectory(_ rs: [WarpSummary.Run]) -> [MatchedKL.Point] {
            points(rs.flatMap { $0.trajectory.filter { $0.step > 0 }.map(\.evaluation) })
        }
        let front = points(it.front.map(\.evaluation))
        let emaTrajectories = trajectory(it.runs)
        let baselineFront = trajectory(summary.baselines)
        var emaGap = MatchedKL.gap(front: baselineFront, points: emaTrajectories)
        emaGap.mean = emaGap.mean.map { -$0 }
        // Both fronts start at θ_sft (KL 0, the same policy): only the points past it count.
        let final = points(summary.finalFront.map(\.evaluation))
        // I > 1: the last iteration's SLERP, η = 1 of its own front.
        let last: WarpSummary.FrontPoint? =
            summary.iterations.count < 2
            ? nil : summary.iterations.last!.front.first { $0.eta == 1 }
        return StudySeed(
            seed: settings.seed,
            runs: it.runs.map { .init($0.final) },
            emas: it.runs.compactMap { $0.ema.map(StudySeed.Policy.init) },
            slerp: slerp, lerp: lerp, slerpOther: slerpOther,
            otherGranularity: other.rawValue, slerpByM: byM, cosines: cosines,
            frontMinusTrajectories: MatchedKL.gap(front: front, points: emaTrajectories),
            frontMinusBaselines: MatchedKL.gap(front: front, points: baselineFront),
            emaMinusBaselines: emaGap,
            finalMinusFirst: final.isEmpty
                ? nil : MatchedKL.gap(front: final, points: front.filter { $0.kl > 0 }),
            lastMinusFirst: summary.iterations.count < 2
                ? nil
                : MatchedKL.gap(
                    front: points(summary.iterations.last!.front.map(\.evaluation)),
                    points: front.filter { $0.kl > 0 }),
            front: front, finalFront: final, seconds: seconds,
            lastSlerp: last.map { StudySeed.Policy($0.evaluation) },
            finalAtFirstSlerp: final.isEmpty
                ? nil
                : MatchedKL.gap(
                    front: final, points: [MatchedKL.Point(kl: slerp.kl, reward: slerp.reward)]))
    }

    /// Mean pairwise task-vector and full-weight cosines of the runs, for the whole model and
    /// per block (`AngleAnalysis`).
    func seedCosines(runs: [GPT], initial: GPT) throws -> [StudySeed.Cosines] {
        let stores = runs.enumerated().map { $1.store(label: "run-\($0 + 1)") }
        let base = initial.store(label: "init")
        var out: [StudySeed.Cosines] = []
        for g in [Granularity.model, .layer] {
            let report = try AngleAnalysis(granularity: g, threads: 1)
                .run(models: stores, initial: base)
            let pairs = report.pairs
            func mean(_ s: GramStats?) -> Double? {
                guard let s else { return nil }
                let c = pairs.compactMap { s.cos($0.0, $0.1) }
                return c.isEmpty ? nil : c.reduce(0, +) / Double(c.count)
            }
            for group in report.groups {
                out.append(
                    .init(
                        group: g == .model ? "model" : group.name,
                        taskVector: mean(group.taskVectors), weight: mean(group.weights)))
            }
        }
        return out
    }
}
