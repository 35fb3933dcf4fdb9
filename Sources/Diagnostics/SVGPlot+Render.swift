import Foundation

extension SVGPlot {
    /// Height of the title block.
    var headerHeight: Double { 40 + 16 * Double(subtitle.count) }

    /// The figure as a standalone SVG document.
    ///
    /// Histogram bars are `<rect class="bar" data-bin="k" data-count="n">`, one per bin (empty
    /// bins have height 0); each panel is a `<g class="panel">`.
    public func render() -> String {
        let rows = (panels.count + columns - 1) / columns
        let width = Double(columns) * panelWidth
        let height = headerHeight + Double(max(rows, 1)) * panelHeight
        var svg = SVGWriter(width: width, height: height)
        svg.rect(x: 0, y: 0, width: width, height: height, [("fill", "white")])
        svg.text(title, x: width / 2, y: 26, anchor: "middle", size: 16, [("font-weight", "bold")])
        for (k, line) in subtitle.enumerated() {
            svg.text(
                line, x: width / 2, y: 46 + 16 * Double(k), anchor: "middle", size: 11,
                [("fill", "#444")])
        }
        for (k, panel) in panels.enumerated() {
            let x = Double(k % columns) * panelWidth
            let y = headerHeight + Double(k / columns) * panelHeight
            draw(panel, index: k, x: x, y: y, into: &svg)
        }
        return svg.render()
    }

    private func scales(_ panel: Panel) -> (x: PlotScale, y: PlotScale) {
        var xs: [Double] = [], ys: [Double] = []
        var histX: [Double] = [], maxCount = 0
        for s in panel.series {
            if case let .histogram(h) = s.kind {
                histX += [h.edges.first ?? 0, h.edges.last ?? 1]
                maxCount = max(maxCount, h.maxCount)
            } else {
                xs += s.points.map(\.x).filter(\.isFinite)
                ys += s.points.map(\.y).filter(\.isFinite)
            }
        }
        let x: PlotScale
        if let r = panel.xRange {
            x = PlotScale(r.lowerBound, r.upperBound)
        } else if !histX.isEmpty, xs.isEmpty {
            x = PlotScale(histX.min()!, histX.max()!)
        } else {
            let all = xs + histX
            x = PlotScale(all.min() ?? 0, all.max() ?? 1, padded: histX.isEmpty)
        }
        let y: PlotScale
        if let r = panel.yRange {
            y = PlotScale(r.lowerBound, r.upperBound)
        } else if !histX.isEmpty {
            let top = Double(max(maxCount, ys.map { Int($0.rounded(.up)) }.max() ?? 0, 1))
            let rough = PlotScale(0, top * 1.1)
            let step = rough.step()
            y = PlotScale(0, max(step, (top * 1.1 / step).rounded(.up) * step))
        } else {
            y = PlotScale(ys.min() ?? 0, ys.max() ?? 1, padded: true)
        }
        return (x, y)
    }

    private func draw(
        _ panel: Panel, index: Int, x px: Double, y py: Double, into svg: inout SVGWriter
    ) {
        let left = px + 70, right = px + panelWidth - 18
        let top = py + 30 + 14 * Double(panel.notes.count), bottom = py + panelHeight - 52
        let (sx, sy) = scales(panel)
        func X(_ v: Double) -> Double { sx.map(v, to: left, right) }
        func Y(_ v: Double) -> Double { sy.map(v, to: bottom, top) }

        svg.open("g", [("class", "panel"), ("data-title", panel.title)])
        svg.text(
            panel.title, x: (left + right) / 2, y: py + 18, anchor: "middle", size: 13,
            [("font-weight", "bold")])
        let clip = "clip-panel-\(index)"
        svg.open("defs")
        svg.open("clipPath", [("id", clip)])
        svg.rect(x: left, y: top, width: right - left, height: bottom - top)
        svg.close("clipPath")
        svg.close("defs")

        // Grid, ticks and tick labels.
        for t in sy.ticks() {
            svg.line(left, Y(t), right, Y(t), [("stroke", "#e4e4e4"), ("stroke-width", "1")])
            svg.line(left - 5, Y(t), left, Y(t), [("stroke", "#333")])
            svg.text(sy.label(t), x: left - 8, y: Y(t) + 4, anchor: "end", size: 11)
        }
        for t in sx.ticks() {
            svg.line(X(t), bottom, X(t), bottom + 5, [("stroke", "#333")])
            svg.text(sx.label(t), x: X(t), y: bottom + 18, anchor: "middle", size: 11)
        }
        svg.text(panel.xLabel, x: (left + right) / 2, y: bottom + 38, anchor: "middle", size: 12)
        svg.text(
            panel.yLabel, x: px + 16, y: (top + bottom) / 2, anchor: "middle", size: 12,
            rotate: -90)

        // Data.
        svg.open("g", [("clip-path", "url(#\(clip))")])
        for (k, s) in panel.series.enumerated() {
            let color = s.color ?? Self.palette[k % Self.palette.count]
            switch s.kind {
            case let .histogram(h):
                for b in 0..<h.bins {
                    let x0 = X(h.edges[b]), x1 = X(h.edges[b + 1])
                    let y0 = Y(Double(h.counts[b]))
                    svg.rect(
                        x: x0, y: y0, width: x1 - x0, height: bottom - y0,
                        [
                            ("class", "bar"), ("data-bin", String(b)),
                            ("data-count", String(h.counts[b])),
                            ("fill", color), ("fill-opacity", "0.75"), ("stroke", "white"),
                            ("stroke-width", "0.5"),
                        ])
                }
            case let .line(markers):
                svg.polyline(
                    s.points.map { (X($0.x), Y($0.y)) },
                    [("stroke", color), ("stroke-width", "1.8"), ("class", "line")])
                if markers {
                    for p in s.points {
                        svg.circle(x: X(p.x), y: Y(p.y), r: 2.8, [("fill", color)])
                    }
                }
            case .scatter:
                for p in s.points {
                    svg.circle(
                        x: X(p.x), y: Y(p.y), r: 3.5,
                        [("fill", color), ("fill-opacity", "0.85"), ("class", "point")])
                }
            }
        }
        for r in panel.references {
            let dash = [("stroke", "#555"), ("stroke-dasharray", "5 4"), ("stroke-width", "1.2")]
            switch r.axis {
            case .x:
                svg.line(X(r.value), top, X(r.value), bottom, dash)
                if let l = r.label { svg.text(l, x: X(r.value) + 4, y: top + 12, size: 10) }
            case .y:
                svg.line(left, Y(r.value), right, Y(r.value), dash)
                if let l = r.label { svg.text(l, x: left + 4, y: Y(r.value) - 4, size: 10) }
            }
        }
        svg.close("g")
        svg.rect(
            x: left, y: top, width: right - left, height: bottom - top,
            [("fill", "none"), ("stroke", "#333")])
        for (k, note) in panel.notes.enumerated() {
            svg.text(note, x: left, y: py + 38 + 14 * Double(k), size: 10.5, [("fill", "#333")])
        }
        drawLegend(panel, right: right, top: top, into: &svg)
        svg.close("g")
    }

    private func drawLegend(_ panel: Panel, right: Double, top: Double, into svg: inout SVGWriter) {
        let entries = panel.series.enumerated().filter { $0.element.label != nil }
        guard !entries.isEmpty else { return }
        let longest = entries.map { $0.element.label!.count }.max() ?? 0
        let w = 34 + 6.5 * Double(longest), h = 8 + 16 * Double(entries.count)
        let x0 = right - w - 6, y0 = top + 6
        svg.open("g", [("class", "legend")])
        svg.rect(
            x: x0, y: y0, width: w, height: h,
            [("fill", "white"), ("fill-opacity", "0.85"), ("stroke", "#bbb")])
        for (row, (k, s)) in entries.enumerated() {
            let color = s.color ?? Self.palette[k % Self.palette.count]
            let cy = y0 + 12 + 16 * Double(row)
            switch s.kind {
            case .histogram:
                svg.rect(
                    x: x0 + 8, y: cy - 5, width: 16, height: 10,
                    [("fill", color), ("fill-opacity", "0.75")])
            case .line:
                svg.line(x0 + 6, cy, x0 + 26, cy, [("stroke", color), ("stroke-width", "2")])
            case .scatter:
                svg.circle(x: x0 + 16, y: cy, r: 3.5, [("fill", color)])
            }
            svg.text(s.label!, x: x0 + 30, y: cy + 4, size: 11)
        }
        svg.close("g")
    }
}
