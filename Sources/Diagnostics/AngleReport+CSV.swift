import Foundation

extension AngleReport {
    /// The CSV header: one row per group × model pair (i < j, 1-based model numbers).
    public static let csvColumns = [
        "group", "block", "tensors", "elements", "i", "j", "model_i", "model_j",
        "task_cos", "task_angle_deg", "task_norm_i", "task_norm_j", "task_norm_ratio",
        "weight_cos", "weight_angle_deg", "weight_norm_i", "weight_norm_j", "weight_norm_ratio",
        "warnings",
    ]

    /// The report as RFC 4180 CSV (comma-separated, `\n` line ends, fields quoted when they
    /// hold a comma, quote or line break). Empty fields mean "undefined": no init (task
    /// columns), a zero vector (its cosine and angle), no block index. Numbers are printed in
    /// the shortest form that reads back to the same `Double`; `warnings` joins the group's
    /// warnings with " | ".
    public func csv() -> String {
        var lines = [Self.csvColumns.joined(separator: ",")]
        for g in groups {
            for (i, j) in pairs {
                let t = g.taskVectors, w = g.weights
                var fields: [String] = [
                    g.name, g.blockIndex.map(String.init) ?? "", String(g.tensors.count),
                    String(g.elementCount), String(i + 1), String(j + 1), models[i], models[j],
                ]
                for s in [t, Optional(w)] {
                    fields += [
                        Self.csvNumber(s?.cos(i, j)), Self.csvNumber(s?.degrees(i, j)),
                        Self.csvNumber(s?.norm(i)), Self.csvNumber(s?.norm(j)),
                        Self.csvNumber(s?.normRatio(i, j)),
                    ]
                }
                fields.append(g.warnings.joined(separator: " | "))
                lines.append(fields.map(Self.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvNumber(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "" }
        return x.description
    }

    /// Quotes a field when it holds a comma, a quote or a line break (quotes doubled).
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return s
        }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
