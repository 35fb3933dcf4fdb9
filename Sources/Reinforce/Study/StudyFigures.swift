import Diagnostics

/// The study's figures (`SVGPlot`):
/// - `study_kl_reward.svg`: every seed's LITI front of iteration 1 in the KL–reward plane
///   (and, with I > 1, its final front towards SFT, dashed colour);
/// - `study_effects.svg`: every effect that tests an observation, mean ± s.e. over seeds
///   (bar: ± 1 s.e., whisker: ± 2 s.e.), with the zero line; numbered as in the notes.
public enum StudyFigures {
    static func subtitle(_ r: StudyReport) -> [String] {
        let w = r.settings
        return [
            "\(r.seeds.count) seeds, I=\(w.iterations) M=\(w.runs) T=\(w.steps) β=\(w.reinforce.beta)"
                + (w.betaGrowth.map { "·\($0)^(i−1)" } ?? "")
                + (w.iterations > 1 ? " η=\(w.eta)" : "")
                + " μ=\(w.mu) lr=\(w.reinforce.optimizer.learningRate), SLERP per "
                + "\(w.granularity.rawValue)",
            "evaluation: \(w.evaluation.promptCount) held-out prompts per seed, common random "
                + "numbers within a seed",
        ]
    }

    public static func klReward(_ r: StudyReport) -> SVGPlot {
        var series: [SVGPlot.Series] = []
        for (k, s) in r.seeds.enumerated() {
            let color = SVGPlot.palette[k % SVGPlot.palette.count]
            series.append(
                .line(
                    "seed \(s.seed)", points: s.front.map { .init($0.kl, $0.reward) },
                    markers: true, color: color))
            if !s.finalFront.isEmpty {
                series.append(
                    .line(
                        nil, points: s.finalFront.map { .init($0.kl, $0.reward) },
                        color: color + "80"))
            }
        }
        let panel = SVGPlot.Panel(
            title: "LITI fronts of iteration 1, one per seed"
                + (r.settings.iterations > 1 ? " (faint: final front)" : ""),
            xLabel: "KL(π ‖ π_sft)", yLabel: "reward", series: series,
            yRange: WarpFigures.headroom(series))
        return SVGPlot(
            title: "WARP study: KL–reward plane", subtitle: subtitle(r), panels: [panel],
            columns: 1, panelWidth: 720, panelHeight: 480)
    }

    /// Two panels: the reward and cosine effects, and the KL effects (another scale).
    public static func effects(_ r: StudyReport) -> SVGPlot {
        let rows = r.rows.filter { $0.aggregate.sign != 0 && $0.aggregate.mean != nil }
        let kl = rows.filter { $0.name.hasSuffix(" KL") }
        let other = rows.filter { !$0.name.hasSuffix(" KL") }
        let panels = [
            panel("Reward and cosine effects", other),
            panel("KL effects", kl),
        ].filter { !$0.series.isEmpty }
        let notes = panels.map(\.notes.count).max() ?? 0
        return SVGPlot(
            title: "WARP study: effect sizes over seeds, mean ± 1 s.e. (bar), ± 2 s.e. (faint)",
            subtitle: subtitle(r) + ["green: reproduced, orange: mixed, red: not reproduced"],
            panels: panels, columns: 1, panelWidth: 760,
            panelHeight: 360 + 14 * Double(notes))
    }

    /// One panel of effects, numbered from 1, with the zero line.
    static func panel(_ title: String, _ rows: [StudyReport.Row]) -> SVGPlot.Panel {
        var series: [SVGPlot.Series] = []
        var notes: [String] = []
        for (i, row) in rows.enumerated() {
            let a = row.aggregate
            let m = a.mean ?? 0, se = a.standardError ?? 0, x = Double(i + 1)
            let color =
                row.verdict == .reproduced
                ? "#009E73" : row.verdict == .mixed ? "#E69F00" : "#D55E00"
            series.append(
                .line(
                    nil, points: [.init(x, m - 2 * se), .init(x, m + 2 * se)], color: color + "80"))
            series.append(.line(nil, points: [.init(x, m - se), .init(x, m + se)], color: color))
            series.append(.scatter(nil, points: [.init(x, m)], color: color))
            notes.append(
                "\(i + 1): \(row.observation.map { "(\($0)) " } ?? "")\(row.name) "
                    + "\(a.formatted(digits: 3)), \(a.agreeing)/\(a.n) \(row.verdict.rawValue)")
        }
        return SVGPlot.Panel(
            title: title, xLabel: "effect", yLabel: "difference", series: series,
            xRange: 0...Double(rows.count + 1), references: [.init(.y, at: 0)], notes: notes)
    }
}
