import Merging
import SafeTensors

extension AngleReport {
    /// The report as JSON, keys in this order (the schema of issue 4):
    ///
    ///     {"init": "…" | null, "models": ["…", …],
    ///      "groups": [{"name": "…", "tensors": ["…", …],
    ///                  "task_vectors": {"cos": [[…M×M…]], "norms": […]} | null,
    ///                  "weights": {"cos": [[…]], "norms": […]},
    ///                  "warnings": ["…", …]}, …]}
    ///
    /// `task_vectors` is null without an init; a cosine involving a zero vector is null.
    /// Numbers are printed in the shortest form that reads back to the same `Double`.
    public func json() -> String {
        var out = "{\n"
        out += "  \"init\": " + (initLabel.map(JSONText.quoted) ?? "null") + ",\n"
        out += "  \"models\": [" + models.map(JSONText.quoted).joined(separator: ", ") + "],\n"
        out += "  \"groups\": ["
        for (k, g) in groups.enumerated() {
            out += k == 0 ? "\n" : ",\n"
            out += "    {\"name\": " + JSONText.quoted(g.name) + ",\n"
            out +=
                "     \"tensors\": [" + g.tensors.map(JSONText.quoted).joined(separator: ", ")
                + "],\n"
            out += "     \"task_vectors\": " + (g.taskVectors.map(Self.jsonStats) ?? "null") + ",\n"
            out += "     \"weights\": " + Self.jsonStats(g.weights) + ",\n"
            out +=
                "     \"warnings\": [" + g.warnings.map(JSONText.quoted).joined(separator: ", ")
                + "]}"
        }
        out += groups.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    static func jsonStats(_ s: GramStats) -> String {
        let rows = s.cosMatrix.map { row in "[" + row.map(jsonNumber).joined(separator: ", ") + "]"
        }
        return "{\"cos\": [" + rows.joined(separator: ", ") + "], \"norms\": ["
            + s.norms.map(jsonNumber).joined(separator: ", ") + "]}"
    }

    /// A JSON number (shortest round-trip form) or `null` for nil and non-finite values.
    static func jsonNumber(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "null" }
        return x.description
    }

}
