import Foundation

/// The external run's results in the shape the in-process loop's figures are drawn from
/// (`WarpSummary`), so `WarpFigures` draws both (one drawing code, no copy).
///
///     SFT point          the evaluator's scores of iteration 1's init (θ_sft)
///     inits, fronts      the scores of each iteration's init and front points
///     trajectories       each run's and baseline's `{workdir}/eval.csv` when its trainer
///                        wrote one (`mergetool train rl --eval-every E` does); else none
///
/// Fields a custom evaluator does not print (entropy, length, …) are NaN: the figures use
/// reward and KL only.
extension ExternalWarpSummary {
    /// `scores` as an `EvaluationResult` (reward and KL, the rest from the same keys when
    /// present, else NaN); nil without scores.
    static func evaluation(_ scores: [String: JSONValue]?, label: String) -> EvaluationResult? {
        guard let scores, let reward = scores["reward"]?.number, let kl = scores["kl"]?.number
        else { return nil }
        func v(_ key: String) -> Double { scores[key]?.number ?? .nan }
        return EvaluationResult(
            label: label, reward: reward, rewardStd: v("rewardStd"), kl: kl, klStd: v("klStd"),
            klLogRatio: v("klLogRatio"), entropy: v("entropy"), length: v("length"),
            distinct: v("distinct"), samples: Int(scores["samples"]?.number ?? 0))
    }

    /// The summary the figures are drawn from; nil when nothing was scored (no evaluator).
    func figureSummary() -> WarpSummary? {
        guard let first = iterations.first,
            let sftPoint = Self.evaluation(first.initial, label: "sft")
        else { return nil }
        let missing = EvaluationResult(
            label: "", reward: .nan, rewardStd: .nan, kl: .nan, klStd: .nan, klLogRatio: .nan,
            entropy: .nan, length: .nan, distinct: .nan, samples: 0)
        func run(_ r: Run, beta: Float, anchor: String) -> WarpSummary.Run {
            .init(
                name: r.name, beta: beta, anchor: anchor, trajectory: r.trajectory ?? [],
                final: Self.evaluation(r.scores, label: r.name) ?? missing, ema: nil,
                seconds: r.seconds ?? 0)
        }
        var s = WarpSummary(settings: settings, sft: sftPoint)
        for it in iterations {
            s.iterations.append(
                .init(
                    index: it.index,
                    initial: Self.evaluation(it.initial, label: "init") ?? missing,
                    runs: it.runs.map {
                        run($0, beta: settings.reinforce.beta, anchor: "ema(\(settings.mu))")
                    },
                    front: it.front.compactMap { p in
                        Self.evaluation(p.scores, label: "eta").map {
                            .init(eta: p.eta, evaluation: $0)
                        }
                    },
                    taskVectorCosine: it.taskVectorCosine, weightCosine: it.weightCosine,
                    mergedTensors: it.mergedTensors, mergeWarnings: it.mergeWarnings))
        }
        s.baselines = baselines.map { run($0, beta: $0.beta ?? 0, anchor: "sft") }
        return s
    }
}
