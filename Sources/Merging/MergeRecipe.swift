import Foundation
import SafeTensors

/// How an output was made, recorded in its safetensors `__metadata__` and in a README.md
/// model card, so a merged checkpoint explains itself.
public struct MergeRecipe: Sendable {
    public static let toolVersion = "mergetool 0.1.0"

    public var plan: MergePlan
    /// The merged models' paths, in order.
    public var models: [String]
    /// The init's path, if any.
    public var initial: String?
    /// This output's η (`nil` for the plain merge written without `--eta`).
    public var eta: Double?

    public init(plan: MergePlan, models: [String], initial: String?, eta: Double?) {
        self.plan = plan
        self.models = models
        self.initial = initial
        self.eta = eta
    }

    /// `"format": "pt"` (what Hugging Face loaders expect) and `merge.*` keys; list values are
    /// JSON arrays.
    public func metadata() -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = [
            ("format", "pt"),
            ("merge.tool", Self.toolVersion),
            ("merge.method", plan.method.rawValue),
            ("merge.models", Self.jsonArray(models.map { JSONText.quoted($0) })),
        ]
        if let i = initial { pairs.append(("merge.init", i)) }
        if plan.method != .liti {
            pairs.append(("merge.granularity", plan.granularity.rawValue))
            if let w = plan.weights {
                pairs.append(("merge.weights", Self.jsonArray(w.map { "\($0)" })))
            } else if let l = plan.lambda {
                pairs.append(("merge.lambda", "\(l)"))
            } else if plan.method == .slerp {
                pairs.append(("merge.lambda", "uniform (1/k at step k, paper eq. 26)"))
            }
        }
        if let e = eta { pairs.append(("merge.eta", "\(e)")) }
        if let r = plan.recipe { pairs.append(("merge.recipe", r.yaml())) }
        return pairs
    }

    /// The formula this output follows, in one line: the method's `formula`, wrapped in the
    /// LITI map when the output has an η.
    public var formula: String {
        let e = eta.map { "\($0)" } ?? "1"
        guard let method = try? plan.methodType() else { return plan.method.rawValue }
        if method.mergeIsModel { return "\(method.formula) with η = \(e)" }
        return eta == nil ? method.formula : "(1 − η)·θ_init + η·[\(method.formula)] with η = \(e)"
    }

    /// A short README.md for the output directory.
    public func modelCard() -> String {
        var lines = [
            "---", "base_model:",
        ]
        lines += (initial.map { [$0] } ?? models).map { "- \(JSONText.quoted($0))" }
        lines += [
            "library_name: transformers", "tags:", "- merge", "- mergetool", "- warp", "---", "",
            "# Merged model", "",
            "Made with \(Self.toolVersion) (WARP: Weight Averaged Rewarded Policies).", "",
            "- method: `\(plan.method.rawValue)`",
        ]
        if let e = eta {
            lines.append("- η (LITI): \(e)" + (e > 1 ? " (extrapolation beyond the merge)" : ""))
        }
        if plan.method != .liti { lines.append("- granularity: \(plan.granularity.rawValue)") }
        if let w = plan.weights {
            lines.append("- weights: \(w.map { "\($0)" }.joined(separator: ", "))")
        }
        if let l = plan.lambda { lines.append("- λ: \(l)") }
        if let i = initial { lines.append("- init: `\(i)`") }
        lines.append("- models:")
        lines += models.map { "  - `\($0)`" }
        lines += ["", "Formula: \(formula).", ""]
        return lines.joined(separator: "\n")
    }

    static func jsonArray(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }
}
