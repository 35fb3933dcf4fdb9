import Foundation
import Merging
import Testing

@testable import Diagnostics

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects the elements of an SVG document with their attributes, and whether it parsed.
final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String], panel: Int)] = []
    var texts: [String] = []
    var root: String?
    var panel = -1
    var text = ""

    static func parse(_ svg: String) -> (SVGCollector, Bool) {
        let c = SVGCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = c
        let ok = parser.parse()
        return (c, ok)
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        if root == nil { root = name }
        if name == "g", attributes["class"] == "panel" { panel += 1 }
        elements.append((name, attributes, panel))
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(
        _ parser: XMLParser, didEndElement name: String, namespaceURI: String?,
        qualifiedName: String?
    ) {
        if name == "text" { texts.append(text) }
    }

    func bars(panel p: Int) -> [[String: String]] {
        elements.filter { $0.name == "rect" && $0.attributes["class"] == "bar" && $0.panel == p }
            .map(\.attributes)
    }
}

@Test(arguments: [5, 20])
func figure11ParsesAndHasOneBarPerBin(_ bins: Int) throws {
    let report = try sampleReport(.tensor)
    let svg = report.figure11(bins: bins).render()
    let (doc, ok) = SVGCollector.parse(svg)
    #expect(ok)
    #expect(doc.root == "svg")
    #expect(doc.panel == 3)
    for (p, q) in AngleReport.Quantity.allCases.enumerated() {
        let bars = doc.bars(panel: p)
        #expect(bars.count == bins)
        #expect(
            bars.compactMap { Int($0["data-count"] ?? "") }.reduce(0, +) == report.values(q).count)
    }
    #expect(doc.texts.contains { $0.contains("m1 = m1.safetensors") })
    #expect(doc.texts.contains { $0.contains("init: base.safetensors") })
    #expect(doc.texts.contains("(a) task vectors: cos Ω"))
}

@Test func figure11WithoutInitHasTwoPanels() throws {
    let report = try sampleReport(.layer, init: false)
    let (doc, ok) = SVGCollector.parse(report.figure11().render())
    #expect(ok && doc.panel == 1)
}

@Test func byLayerFigureHasOneLinePerPair() throws {
    let report = try sampleReport(.layer)
    let (doc, ok) = SVGCollector.parse(try report.byLayerFigure().render())
    #expect(ok && doc.panel == 1)
    let lines = doc.elements.filter { $0.name == "polyline" }
    #expect(lines.count == 2 * report.pairs.count)
    #expect(doc.texts.contains("m1–m2"))
    #expect(
        throws: DiagnosticsError.cannotPlot(
            reason: "no group lies in a numbered block (use --by layer or --by tensor)")
    ) {
        try sampleReport(.model).byLayerFigure()
    }
}

@Test func genericPlotWithLineScatterAndLegend() throws {
    let front = (0...10).map { SVGPlot.Point(Double($0) / 10, sqrt(Double($0))) }
    var fig = SVGPlot(title: "KL <vs> reward & \"front\"", columns: 1)
    fig.panels = [
        SVGPlot.Panel(
            title: "front", xLabel: "KL", yLabel: "reward",
            series: [
                .line("LITI", points: front, markers: true),
                .scatter("runs", points: [SVGPlot.Point(0.5, 2), SVGPlot.Point(0.8, 2.5)]),
            ],
            references: [SVGPlot.Reference(.y, at: 1, label: "baseline")])
    ]
    let (doc, ok) = SVGCollector.parse(fig.render())
    #expect(ok)
    #expect(doc.texts.contains("KL <vs> reward & \"front\""))
    #expect(doc.elements.contains { $0.name == "g" && $0.attributes["class"] == "legend" })
    #expect(doc.elements.filter { $0.attributes["class"] == "point" }.count == 2)
    #expect(doc.texts.contains("LITI") && doc.texts.contains("runs"))
}

@Test func histogramBinsCountEveryValue() {
    let h = Histogram(values: [0, 0.1, 0.5, 0.99, 1, .nan], bins: 4)
    #expect(h.edges == [0, 0.25, 0.5, 0.75, 1])
    #expect(h.counts == [2, 0, 1, 2])
    let flat = Histogram(values: [3, 3, 3], bins: 3)
    #expect(flat.total == 3 && flat.edges.first! < 3 && flat.edges.last! > 3)
    #expect(Summary([5, 1, 3])?.median == 3)
    #expect(Summary([]) == nil)
}

@Test func scaleTicksAreNiceAndInside() {
    let s = PlotScale(0.123, 0.987)
    let ticks = s.ticks()
    #expect(ticks.count == 4)
    #expect(zip(ticks, [0.2, 0.4, 0.6, 0.8]).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(s.label(0.4) == "0.4")
    let narrow = PlotScale(0.99990, 0.99999)
    #expect(narrow.ticks().allSatisfy { $0 >= 0.9999 && $0 <= 0.99999 })
    #expect(Set(narrow.ticks().map { narrow.label($0) }).count == narrow.ticks().count)
    #expect(SVGWriter.escape("<a & 'b'>") == "&lt;a &amp; &apos;b&apos;&gt;")
}
