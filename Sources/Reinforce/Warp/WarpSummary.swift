import Foundation

/// Everything a WARP run measured, written as `summary.json` and drawn in the figures.
public struct WarpSummary: Codable, Sendable {
    /// One RL run: its held-out trajectory and the evaluation of its final policy and EMA.
    public struct Run: Codable, Sendable {
        public var name: String
        public var beta: Float
        public var anchor: String
        public var trajectory: [TrajectoryPoint]
        public var final: EvaluationResult
        public var ema: EvaluationResult?
        public var seconds: Double
    }

    /// One point of a LITI front.
    public struct FrontPoint: Codable, Sendable {
        public var eta: Double
        public var evaluation: EvaluationResult
    }

    /// One iteration of Algorithm 1.
    public struct Iteration: Codable, Sendable {
        public var index: Int
        public var initial: EvaluationResult
        public var runs: [Run]
        /// θ_η = (1−η)·θ_init + η·slerp(θ_init, {θ_m}, λ = 1/M), at each η of the front.
        public var front: [FrontPoint]
        /// Mean over tensors (weighted by size) of the task-vector cosine between runs, and
        /// of the full-weight cosine (observation 4).
        public var taskVectorCosine: Double?
        public var weightCosine: Double?
        /// Merge report summary: tensors merged and fallbacks.
        public var mergedTensors: Int
        public var mergeWarnings: [String]
    }

    public var settings: WarpSettings
    public var sft: EvaluationResult
    public var iterations: [Iteration] = []
    /// (1−κ)·θ_sft + κ·θ_slerp^I for I > 1 (paper Figure 1(b), Algorithm 1 output).
    public var finalFront: [FrontPoint] = []
    public var baselines: [Run] = []
    public var seconds: [String: Double] = [:]

    public init(settings: WarpSettings, sft: EvaluationResult) {
        self.settings = settings
        self.sft = sft
    }

    /// Sorted-key, pretty JSON.
    public func json() -> String { Self.json(self) }

    /// Sorted-key, pretty JSON of any part (e.g. one `Iteration`).
    public static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The KL–reward table printed at the end: SFT, every run (θ_T and EMA), every front
    /// point per iteration, the final front and the baselines.
    public func table() -> String {
        var lines: [String] = []
        func row(_ name: String, _ e: EvaluationResult) {
            let label =
                name.count >= 26 ? name : name + String(repeating: " ", count: 26 - name.count)
            lines.append(
                label
                    + String(
                        format: "%9.4f %9.3f %9.3f %8.2f", e.reward, e.kl,
                        e.distinct, e.length))
        }
        lines.append("policy                       reward  KL(sft)  distinct   length")
        row("sft", sft)
        for it in iterations {
            lines.append(
                "-- iteration \(it.index)"
                    + (it.taskVectorCosine.map { String(format: " (task-vector cos %.3f)", $0) }
                        ?? ""))
            row("  init", it.initial)
            for r in it.runs {
                row("  \(r.name) θ_T", r.final)
                if let ema = r.ema { row("  \(r.name) EMA", ema) }
            }
            for p in it.front {
                let tag = p.eta == 1 ? " (slerp)" : p.eta == settings.eta ? " (next init)" : ""
                row(String(format: "  LITI η=%.2f", p.eta) + tag, p.evaluation)
            }
        }
        if !finalFront.isEmpty {
            lines.append("-- towards SFT: (1−κ)·θ_sft + κ·θ_slerp^I")
            for p in finalFront { row(String(format: "  κ=%.2f", p.eta), p.evaluation) }
        }
        if !baselines.isEmpty {
            lines.append("-- SFT-anchored REINFORCE baselines")
            for b in baselines { row("  \(b.name)", b.final) }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
