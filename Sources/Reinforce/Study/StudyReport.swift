import Foundation

/// The study's table: one row per effect, each aggregated over the seeds (`SeedAggregate`),
/// and the verdict on each of the paper's observations (1)–(6) from the rows that test it.
///
/// Rows that test an observation carry the paper's sign; the others (sign 0) are reported
/// only. Observation 4 is a statement about levels, so its rows are margins: 0.1 − abs(cos Ω)
/// of task vectors (orthogonal: within 84°–96°) and cos ω − 0.9 of full weights (collinear).
public struct StudyReport: Codable, Sendable {
    /// One effect over the seeds.
    public struct Row: Codable, Sendable {
        public var name: String
        /// The observation it tests (1–6), nil: reported only.
        public var observation: Int?
        public var aggregate: SeedAggregate
        /// For matched-KL rows: comparable points summed over seeds, of how many.
        public var comparable: String?
        public var verdict: SeedAggregate.Verdict { aggregate.verdict }
    }

    /// One of the paper's observations with its verdict.
    public struct Observation: Codable, Sendable {
        public var index: Int
        public var claim: String
        public var verdict: SeedAggregate.Verdict
    }

    public var settings: WarpSettings
    public var seeds: [StudySeed]
    public var rows: [Row] = []
    public var observations: [Observation] = []

    /// The paper's observations (§3), in its words, shortened.
    public static let claims = [
        1: "EMA anchor beats the SFT anchor at matched KL",
        2: "SLERP boosts reward (above every merged run)",
        3: "LERP reduces KL, with less reward than SLERP",
        4: "task vectors near-orthogonal, full weights collinear",
        5: "LITI front above the RL trajectories and the SFT-anchor front",
        6: "iterating WARP improves the front",
    ]

    public init(settings: WarpSettings, seeds: [StudySeed]) {
        self.settings = settings
        self.seeds = seeds
        rows = Self.rows(seeds, runs: settings.runs, iterations: settings.iterations)
        observations = (1...6).map { k in
            let verdicts = rows.filter { $0.observation == k }.map(\.verdict)
            return Observation(
                index: k, claim: Self.claims[k]!, verdict: SeedAggregate.combine(verdicts))
        }
    }

    static func rows(_ seeds: [StudySeed], runs: Int, iterations: Int = 1) -> [Row] {
        var rows: [Row] = []
        func add(
            _ name: String, _ obs: Int?, _ sign: Int, _ value: (StudySeed) -> Double?,
            gap: ((StudySeed) -> MatchedKL.Gap?)? = nil
        ) {
            var comparable: String?
            if let gap {
                let g = seeds.compactMap(gap)
                comparable =
                    "\(g.reduce(0) { $0 + $1.comparable })/\(g.reduce(0) { $0 + $1.total })"
            }
            rows.append(
                Row(
                    name: name, observation: obs,
                    aggregate: SeedAggregate(seeds.map(value), sign: sign),
                    comparable: comparable))
        }
        for m in 0..<runs {
            add("run \(m + 1) reward", nil, 0) { $0.runs[m].reward }
            add("run \(m + 1) KL", nil, 0) { $0.runs[m].kl }
            add("run \(m + 1) length", nil, 0) { $0.runs[m].length }
        }
        add("SLERP reward", nil, 0) { $0.slerp.reward }
        add("SLERP KL", nil, 0) { $0.slerp.kl }
        add("EMA-anchor trajectories − SFT-anchor front (reward, matched KL)", 1, 1) {
            $0.emaMinusBaselines.mean
        } gap: {
            $0.emaMinusBaselines
        }
        add("SLERP − max(runs) reward", 2, 1) { s in
            s.runs.map(\.reward).max().map { s.slerp.reward - $0 }
        }
        add("SLERP − max(runs) KL", nil, 0) { s in s.runs.map(\.kl).max().map { s.slerp.kl - $0 } }
        add("SLERP − mean(runs) reward", nil, 1) { s in s.slerp.reward - mean(s.runs.map(\.reward))
        }
        add("SLERP − mean(runs) KL", nil, 0) { s in s.slerp.kl - mean(s.runs.map(\.kl)) }
        add("LERP − SLERP KL", 3, -1) { $0.lerp.kl - $0.slerp.kl }
        add("LERP − SLERP reward", 3, -1) { $0.lerp.reward - $0.slerp.reward }
        add("task-vector margin 0.1 − abs(cos Ω) (whole model)", 4, 1) { s in
            s.cosines.first?.taskVector.map { 0.1 - abs($0) }
        }
        add("full-weight margin cos ω − 0.9 (whole model)", 4, 1) { s in
            s.cosines.first?.weight.map { $0 - 0.9 }
        }
        add("task-vector cos Ω (whole model)", nil, 0) { $0.cosines.first?.taskVector }
        add("full-weight cos ω (whole model)", nil, 0) { $0.cosines.first?.weight }
        let blocks = seeds.first.map { Array($0.cosines.dropFirst()) } ?? []
        for (k, b) in blocks.enumerated() {
            add("task-vector cos Ω (\(b.group))", nil, 0) { s in
                s.cosines.count > k + 1 ? s.cosines[k + 1].taskVector : nil
            }
            add("full-weight cos ω (\(b.group))", nil, 0) { s in
                s.cosines.count > k + 1 ? s.cosines[k + 1].weight : nil
            }
        }
        add("LITI front − EMA trajectories (reward, matched KL)", 5, 1) {
            $0.frontMinusTrajectories.mean
        } gap: {
            $0.frontMinusTrajectories
        }
        add("LITI front − SFT-anchor front (reward, matched KL)", 5, 1) {
            $0.frontMinusBaselines.mean
        } gap: {
            $0.frontMinusBaselines
        }
        add("final front − iteration-1 front (reward, matched KL)", 6, 1) {
            $0.finalMinusFirst?.mean
        } gap: {
            $0.finalMinusFirst
        }
        add("last iteration's front − iteration-1 front (reward, matched KL)", 6, 1) {
            $0.lastMinusFirst?.mean
        } gap: {
            $0.lastMinusFirst
        }
        if iterations > 1 {
            // Where the final front's loss comes from: its end point (the last SLERP) against
            // iteration 1's, and the final front at iteration 1's SLERP's KL. Reported with
            // k/N; they do not decide (6).
            add("last SLERP − iteration-1 SLERP reward", nil, 1) { s in
                s.lastSlerp.map { $0.reward - s.slerp.reward }
            }
            add("last SLERP − iteration-1 SLERP KL", nil, 0) { s in
                s.lastSlerp.map { $0.kl - s.slerp.kl }
            }
            add("final front − iteration-1 SLERP (reward, matched KL)", nil, 1) {
                $0.finalAtFirstSlerp?.mean
            } gap: {
                $0.finalAtFirstSlerp
            }
        }
        let other = seeds.first?.otherGranularity ?? "tensor"
        add("SLERP − SLERP per \(other) reward", nil, 0) { $0.slerp.reward - $0.slerpOther.reward }
        add("SLERP − SLERP per \(other) KL", nil, 0) { $0.slerp.kl - $0.slerpOther.kl }
        if runs > 2 {
            for m in 3...min(runs, 4) {
                add("SLERP(M=\(m)) − SLERP(M=2) reward", nil, 1) { s in
                    guard let a = s.slerpByM[m], let b = s.slerpByM[2] else { return nil }
                    return a.reward - b.reward
                }
                add("SLERP(M=\(m)) − SLERP(M=2) KL", nil, 0) { s in
                    guard let a = s.slerpByM[m], let b = s.slerpByM[2] else { return nil }
                    return a.kl - b.kl
                }
            }
        }
        return rows
    }

    static func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(max(xs.count, 1)) }

    /// The Markdown report: the observations' verdicts, then every row.
    public func markdown() -> String {
        let n = seeds.count
        var lines = [
            "# WARP study: \(n) seeds", "",
            "Sign rule: reproduced when the mean is more than 2 s.e. in the paper's direction "
                + "and every seed agrees in sign (k/N); not reproduced when the mean goes the "
                + "other way; mixed otherwise.", "",
            "| observation | verdict | rows |", "|---|---|---|",
        ]
        for o in observations {
            let names = rows.filter { $0.observation == o.index }.map {
                "\($0.name): \($0.aggregate.formatted()) (\($0.aggregate.agreeing)/\($0.aggregate.n))"
            }
            lines.append(
                "| (\(o.index)) \(o.claim) | \(o.verdict.rawValue) | "
                    + names.joined(separator: "; ") + " |")
        }
        lines += [
            "", "| effect | obs. | claimed sign | mean ± s.e. | k/N | verdict | comparable |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rows {
            let a = r.aggregate
            let sign = a.sign > 0 ? "+" : a.sign < 0 ? "−" : ""
            let k = a.sign == 0 ? "" : "\(a.agreeing)/\(a.n)"
            let verdict = a.sign == 0 ? "" : r.verdict.rawValue
            lines.append(
                "| \(r.name) | \(r.observation.map { "(\($0))" } ?? "") | \(sign) | "
                    + "\(a.formatted()) | \(k) | \(verdict) | \(r.comparable ?? "") |")
        }
        lines += [
            "", "Per seed (reward / KL):", "",
            "| seed | runs | SLERP | LERP | front − traj. | front − SFT-anchor |",
            "|---|---|---|---|---|---|",
        ]
        for s in seeds {
            func p(_ x: StudySeed.Policy) -> String {
                String(format: "%.4f / %.2f", x.reward, x.kl)
            }
            func g(_ x: MatchedKL.Gap) -> String {
                (x.mean.map { String(format: "%+.4f", $0) } ?? "—")
                    + " (\(x.comparable)/\(x.total))"
            }
            lines.append(
                "| \(s.seed) | \(s.runs.map(p).joined(separator: ", ")) | \(p(s.slerp)) | "
                    + "\(p(s.lerp)) | \(g(s.frontMinusTrajectories)) | \(g(s.frontMinusBaselines)) |"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
