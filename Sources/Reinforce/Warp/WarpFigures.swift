import Diagnostics

/// The figures of a WARP run, drawn with `SVGPlot` in the KL–reward plane (x: KL(π‖π_sft)
/// on the held-out prompts, y: mean reward).
///
/// Files (`WarpRunDirectory.Figure`):
/// - `kl_reward.svg`: paper Figure 1(b): training trajectories of every RL run (EMA-anchored
///   WARP runs and SFT-anchored baselines), the LITI front of each iteration, and the SFT
///   point; with I > 1 also the final front towards SFT.
/// - `iterations.svg`: paper Figure 4(c): the LITI fronts per iteration, each interpolating
///   towards its own init, and the inits they start from.
/// - `training.svg`: reward and KL to SFT against steps for every run.
public enum WarpFigures {
    /// Every figure with the file it goes to (`WarpRunDirectory.figure(_:)`).
    public static func all(_ s: WarpSummary) -> [(WarpRunDirectory.Figure, SVGPlot)] {
        WarpRunDirectory.Figure.allCases.map { f in
            switch f {
            case .klReward: (f, klReward(s))
            case .iterations: (f, iterations(s))
            case .training: (f, training(s))
            }
        }
    }

    static func point(_ e: EvaluationResult) -> SVGPlot.Point { .init(e.kl, e.reward) }

    static func subtitle(_ s: WarpSummary) -> [String] {
        let w = s.settings
        return [
            "I=\(w.iterations) M=\(w.runs) T=\(w.steps) β=\(w.reinforce.beta) μ=\(w.mu) "
                + "η=\(w.eta), lr=\(w.reinforce.optimizer.learningRate), "
                + "batch \(w.reinforce.batchSize) × \(w.reinforce.newTokens) tokens"
                + (w.fixedLength ? " (fixed length)" : "") + ", τ=\(w.reinforce.temperature), "
                + "SLERP per \(w.granularity.rawValue), seed \(w.seed)",
            "evaluation: \(w.evaluation.promptCount) held-out prompts × "
                + "\(w.evaluation.samplesPerPrompt), exact per-token KL to SFT",
        ]
    }

    /// The data's y range with 35% free above it: SVGPlot draws the legend in the top-right
    /// corner, where the best (highest-reward) points would otherwise sit under it.
    static func headroom(_ series: [SVGPlot.Series]) -> ClosedRange<Double>? {
        let ys = series.flatMap(\.points).map(\.y).filter(\.isFinite)
        guard let lo = ys.min(), let hi = ys.max(), hi > lo else { return nil }
        let pad = hi - lo
        return (lo - 0.05 * pad)...(hi + 0.35 * pad)
    }

    static let baselineColors = ["#999999", "#555555", "#BBBBBB", "#333333"]

    /// Figure 1(b).
    public static func klReward(_ s: WarpSummary) -> SVGPlot {
        var series: [SVGPlot.Series] = []
        for (k, it) in s.iterations.enumerated() {
            let color = SVGPlot.palette[k % SVGPlot.palette.count]
            for r in it.runs {
                series.append(
                    .line(
                        k == 0 && r.name == "run-1" ? "REINFORCE EMA (WARP runs)" : nil,
                        points: r.trajectory.map { point($0.evaluation) },
                        color: color + "80"))
            }
            series.append(
                .line(
                    "LITI front, iteration \(it.index)",
                    points: it.front.map { point($0.evaluation) }, markers: true,
                    color: color))
        }
        if !s.finalFront.isEmpty {
            series.append(
                .line(
                    "(1−κ)·sft + κ·slerp_I",
                    points: s.finalFront.map {
                        point($0.evaluation)
                    }, markers: true, color: "#000000"))
        }
        for (k, b) in s.baselines.enumerated() {
            series.append(
                .line(
                    "REINFORCE SFT anchor β=\(b.beta)",
                    points: b.trajectory.map { point($0.evaluation) },
                    markers: false, color: baselineColors[k % baselineColors.count]))
        }
        series.append(.scatter("SFT", points: [point(s.sft)], color: "#D55E00"))
        let panel = SVGPlot.Panel(
            title: "KL–reward plane", xLabel: "KL(π ‖ π_sft)",
            yLabel: "reward", series: series, yRange: headroom(series))
        return SVGPlot(
            title: "WARP: LITI fronts vs REINFORCE trajectories",
            subtitle: subtitle(s), panels: [panel], columns: 1,
            panelWidth: 720, panelHeight: 480)
    }

    /// Figure 4(c).
    public static func iterations(_ s: WarpSummary) -> SVGPlot {
        var series: [SVGPlot.Series] = []
        for (k, it) in s.iterations.enumerated() {
            let color = SVGPlot.palette[k % SVGPlot.palette.count]
            series.append(
                .line(
                    "iteration \(it.index)",
                    points: it.front.map {
                        point($0.evaluation)
                    }, markers: true, color: color))
        }
        series.append(
            .scatter(
                "inits", points: s.iterations.map { point($0.initial) },
                color: "#000000"))
        let panel = SVGPlot.Panel(
            title: "LITI fronts per iteration (η ∈ {"
                + s.settings.front.map { String(format: "%g", $0) }.joined(separator: ", ")
                + "})",
            xLabel: "KL(π ‖ π_sft)", yLabel: "reward", series: series,
            yRange: headroom(series))
        return SVGPlot(
            title: "Iterated WARP", subtitle: subtitle(s), panels: [panel],
            columns: 1, panelWidth: 720, panelHeight: 480)
    }

    /// Reward and KL against steps.
    public static func training(_ s: WarpSummary) -> SVGPlot {
        var reward: [SVGPlot.Series] = [], kl: [SVGPlot.Series] = []
        var runs: [(String, WarpSummary.Run, Int)] = []
        for it in s.iterations {
            for r in it.runs {
                runs.append(("it\(it.index) \(r.name)", r, (it.index - 1) * s.settings.steps))
            }
        }
        for b in s.baselines { runs.append((b.name, b, 0)) }
        for (k, (name, r, offset)) in runs.enumerated() {
            let color = SVGPlot.palette[k % SVGPlot.palette.count]
            let steps = r.trajectory.map { Double($0.step + offset) }
            reward.append(
                .line(
                    name,
                    points: zip(steps, r.trajectory).map {
                        .init($0, $1.evaluation.reward)
                    }, color: color))
            kl.append(
                .line(
                    name,
                    points: zip(steps, r.trajectory).map {
                        .init($0, $1.evaluation.kl)
                    }, color: color))
        }
        return SVGPlot(
            title: "Training curves (held-out evaluation)", subtitle: subtitle(s),
            panels: [
                .init(title: "reward", xLabel: "step", yLabel: "reward", series: reward),
                .init(title: "KL to SFT", xLabel: "step", yLabel: "KL(π ‖ π_sft)", series: kl),
            ], columns: 2)
    }
}
