import Foundation
import Merging

extension AngleReport {
    /// Title lines naming the inputs, shared by the figures.
    var plotSubtitle: [String] {
        var lines = [
            "models: "
                + models.enumerated().map { "\(Self.shortName($0.offset)) = \($0.element)" }
                .joined(separator: ", ")
        ]
        lines.append(initLabel.map { "init: \($0)" } ?? "no init: full weights only")
        return lines
    }

    var groupingPhrase: String {
        switch granularity {
        case .layer: "per block"
        case .tensor: "per tensor"
        case .model: "whole model"
        }
    }

    /// The four-panel histogram figure of the WARP paper's Figure 11: (a) task-vector cosines
    /// cos Ω, (b) full-weight cosines cos ω, (c) task-vector norm ratios ‖δi‖/‖δj‖, (d)
    /// full-weight norm ratios, each across groups × model pairs. Without an init only (b) and
    /// (d) are drawn.
    /// - Parameter bins: bins per histogram.
    public func figure11(bins: Int = 20) -> SVGPlot {
        var panels: [SVGPlot.Panel] = []
        let colors = ["#0072B2", "#009E73", "#E69F00", "#CC79A7"]
        for (k, q) in Quantity.allCases.enumerated() where initLabel != nil || !q.needsInit {
            let values = values(q)
            let h = Histogram(values: values, bins: bins)
            var notes = ["n = \(values.count) (\(groups.count) groups × \(pairs.count) pairs)"]
            var refs: [SVGPlot.Reference] = []
            if let s = Summary(values) {
                let f = Self.formatter(s.min, s.max)
                notes.append("min " + f(s.min) + "   median " + f(s.median) + "   max " + f(s.max))
                refs.append(SVGPlot.Reference(.x, at: s.median, label: "median"))
            }
            let isCos = q == .taskCosine || q == .weightCosine
            panels.append(
                SVGPlot.Panel(
                    title: q.title,
                    xLabel: isCos ? "cosine" : "norm ratio",
                    yLabel: "count (groups × pairs)",
                    series: [.histogram(nil, h, color: colors[k])],
                    references: refs, notes: notes))
        }
        let firstLine =
            "Angles and norms of task vectors and weights (\(groupingPhrase), "
            + "\(groups.count) groups)"
        return SVGPlot(title: firstLine, subtitle: plotSubtitle, panels: panels, columns: 2)
    }

    /// Angle versus block index: Ω (task vectors, with a 90° reference) and ω (full weights),
    /// one series per model pair. Groups without a block index (embeddings, head) are left
    /// out.
    /// - Throws: `DiagnosticsError.cannotPlot` when no group has a block index.
    public func byLayerFigure() throws -> SVGPlot {
        let blocks = groups.filter { $0.blockIndex != nil }
        guard !blocks.isEmpty else {
            throw DiagnosticsError.cannotPlot(
                reason: "no group lies in a numbered block (use --by layer or --by tensor)")
        }
        let joined = granularity == .layer
        func series(_ stats: (GroupAngles) -> GramStats?) -> [SVGPlot.Series] {
            pairs.map { (i, j) in
                let points = blocks.compactMap { g -> SVGPlot.Point? in
                    guard let a = stats(g)?.degrees(i, j) else { return nil }
                    return SVGPlot.Point(Double(g.blockIndex!), a)
                }
                let label = "\(Self.shortName(i))–\(Self.shortName(j))"
                return joined
                    ? .line(label, points: points, markers: true) : .scatter(label, points: points)
            }
        }
        var panels: [SVGPlot.Panel] = []
        if initLabel != nil {
            panels.append(
                SVGPlot.Panel(
                    title: "task vectors: Ω per block", xLabel: "block index",
                    yLabel: "Ω (degrees)",
                    series: series { $0.taskVectors },
                    references: [SVGPlot.Reference(.y, at: 90, label: "90°")]))
        }
        panels.append(
            SVGPlot.Panel(
                title: "full weights: ω per block", xLabel: "block index", yLabel: "ω (degrees)",
                series: series { $0.weights }))
        return SVGPlot(
            title: "Angles versus block index (\(groupingPhrase))", subtitle: plotSubtitle,
            panels: panels, columns: panels.count)
    }

    /// A formatter for numbers spread over `lower...upper`: fixed decimals, two more than
    /// the spread's first significant digit needs (so 0.99841 and 0.99912 differ in print),
    /// or exponent notation for very large or tiny magnitudes.
    static func formatter(_ lower: Double, _ upper: Double) -> (Double) -> String {
        let magnitude = max(abs(lower), abs(upper))
        if magnitude >= 1e5 || (magnitude > 0 && magnitude < 1e-4) {
            return { String(format: "%.3e", $0) }
        }
        let spread = upper - lower
        let reference = spread > 0 ? spread : max(magnitude, 1e-12)
        let decimals = max(0, min(10, Int((-log10(reference)).rounded(.up)) + 2))
        return { String(format: "%.\(decimals)f", $0) }
    }
}
