import Foundation
import Merging

extension AngleReport {
    /// The human-readable report: inputs, one table per group (norms, then per pair Ω, cos Ω,
    /// ‖δi‖/‖δj‖, ω, cos ω, ‖θi‖/‖θj‖), its warnings, then text histograms of the four
    /// quantities of Figure 11 across groups with min/median/max.
    /// - Parameter bins: bins per text histogram.
    public func table(bins: Int = 10) -> String {
        var out = ""
        for (k, m) in models.enumerated() { out += "\(Self.shortName(k)) = \(m)\n" }
        out += "init = " + (initLabel ?? "(none: full weights only)") + "\n"
        out += "grouped \(groupingPhrase): \(groups.count) groups, \(pairs.count) model pairs\n"
        if !skipped.isEmpty {
            let shown = skipped.prefix(5).joined(separator: ", ")
            out +=
                "skipped \(skipped.count) non-float or empty tensors (not compared): \(shown)"
                + (skipped.count > 5 ? ", …" : "") + "\n"
        }
        for g in groups { out += "\n" + groupTable(g) }
        out += "\n" + histograms(bins: bins)
        return out
    }

    func groupTable(_ g: GroupAngles) -> String {
        var out =
            g.name + "  (\(g.tensors.count) tensor" + (g.tensors.count == 1 ? "" : "s")
            + ", \(g.elementCount) elements)\n"
        func norms(_ s: GramStats) -> String {
            s.norms.enumerated().map {
                "\(Self.shortName($0.offset)) " + Self.fmt($0.element, "%.5g")
            }
            .joined(separator: "  ")
        }
        if let t = g.taskVectors { out += "  ‖δ‖  " + norms(t) + "\n" }
        out += "  ‖θ‖  " + norms(g.weights) + "\n"
        let hasTask = g.taskVectors != nil
        var header = "  " + Self.pad("pair", 8)
        if hasTask {
            header += Self.pad("Ω°", 10) + Self.pad("cos Ω", 12) + Self.pad("‖δi‖/‖δj‖", 12)
        }
        header += Self.pad("ω°", 10) + Self.pad("cos ω", 13) + "‖θi‖/‖θj‖"
        out += header + "\n"
        for (i, j) in pairs {
            var row = "  " + Self.pad("\(Self.shortName(i))-\(Self.shortName(j))", 8)
            if let t = g.taskVectors {
                row +=
                    Self.pad(Self.fmt(t.degrees(i, j), "%.3f"), 10)
                    + Self.pad(Self.fmt(t.cos(i, j), "%.6f"), 12)
                    + Self.pad(Self.fmt(t.normRatio(i, j), "%.4f"), 12)
            }
            let w = g.weights
            row +=
                Self.pad(Self.fmt(w.degrees(i, j), "%.4f"), 10)
                + Self.pad(Self.fmt(w.cos(i, j), "%.8f"), 13) + Self.fmt(w.normRatio(i, j), "%.5f")
            out += row + "\n"
        }
        for w in g.warnings { out += "  warning: \(w)\n" }
        return out
    }

    /// Text histograms of the four quantities across groups × pairs.
    public func histograms(bins: Int = 10) -> String {
        var out = ""
        for q in Quantity.allCases {
            let values = values(q)
            guard let s = Summary(values) else {
                out +=
                    q.rawValue + ": "
                    + (q.needsInit && initLabel == nil ? "needs --init" : "no values")
                    + "\n\n"
                continue
            }
            let h = Histogram(values: values, bins: bins)
            let f = Self.formatter(h.edges[0], h.edges[h.bins])
            out +=
                "\(q.rawValue) over \(s.count) group×pair values: min " + f(s.min)
                + "  median " + f(s.median) + "  max " + f(s.max) + "\n"
            let column = h.edges.map { f($0).count }.max() ?? 8
            let width = 40.0
            for b in 0..<h.bins {
                let bar =
                    h.maxCount == 0
                    ? 0 : Int((Double(h.counts[b]) / Double(h.maxCount) * width).rounded(.up))
                let closing = b == h.bins - 1 ? "]" : ")"
                out +=
                    "  [" + Self.pad(f(h.edges[b]), column, right: true) + ", "
                    + Self.pad(f(h.edges[b + 1]), column, right: true) + closing + " "
                    + Self.pad(String(repeating: "#", count: bar), Int(width) + 1)
                    + String(h.counts[b]) + "\n"
            }
            out += "\n"
        }
        return out
    }

    static func fmt(_ x: Double?, _ format: String) -> String {
        guard let x else { return "-" }
        return String(format: format, x)
    }

    /// Pads (or right-aligns) `s` to `width` characters.
    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let n = s.count
        guard n < width else { return s + (right ? "" : " ") }
        let fill = String(repeating: " ", count: width - n)
        return right ? fill + s : s + fill
    }
}
