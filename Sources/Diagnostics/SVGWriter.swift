/// A minimal builder of standalone SVG 1.1 text: elements appended in order, attribute values
/// and text escaped for XML, numbers printed with two decimals.
///
/// The output starts with an XML declaration and declares the SVG namespace, so it opens in
/// a browser or an image viewer and parses with any XML parser.
public struct SVGWriter: Sendable {
    private(set) var body: [String] = []
    public let width: Double
    public let height: Double

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Escapes `&`, `<`, `>`, `"` and `'` for text and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 forbids most control characters even escaped: drop them.
                if c.value < 0x20 && c != "\n" && c != "\t" { continue }
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A number for coordinates: two decimals, no trailing zeros, never `nan`.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 100).rounded() / 100
        if r == r.rounded(), abs(r) < 1e15 { return String(Int(r)) }
        return String(r)
    }

    private static func attributes(_ attrs: [(String, String)]) -> String {
        attrs.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// Appends `<name attrs/>`.
    public mutating func element(_ name: String, _ attrs: [(String, String)]) {
        body.append("<\(name)\(Self.attributes(attrs))/>")
    }

    /// Appends `<name attrs>text</name>`.
    public mutating func element(_ name: String, _ attrs: [(String, String)], text: String) {
        body.append("<\(name)\(Self.attributes(attrs))>\(Self.escape(text))</\(name)>")
    }

    /// Opens a `<g>`; close it with `close("g")`.
    public mutating func open(_ name: String, _ attrs: [(String, String)] = []) {
        body.append("<\(name)\(Self.attributes(attrs))>")
    }

    public mutating func close(_ name: String) { body.append("</\(name)>") }

    public mutating func rect(
        x: Double, y: Double, width: Double, height: Double, _ attrs: [(String, String)] = []
    ) {
        element(
            "rect",
            [
                ("x", Self.number(x)), ("y", Self.number(y)),
                ("width", Self.number(max(0, width))), ("height", Self.number(max(0, height))),
            ]
                + attrs)
    }

    public mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ attrs: [(String, String)] = []
    ) {
        element(
            "line",
            [
                ("x1", Self.number(x1)), ("y1", Self.number(y1)),
                ("x2", Self.number(x2)), ("y2", Self.number(y2)),
            ] + attrs)
    }

    /// Text anchored at (x, y); `anchor` is start, middle or end; `rotate` in degrees about
    /// the anchor point.
    public mutating func text(
        _ s: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
        rotate: Double? = nil, _ attrs: [(String, String)] = []
    ) {
        var a = [
            ("x", Self.number(x)), ("y", Self.number(y)), ("text-anchor", anchor),
            ("font-size", Self.number(size)),
        ]
        if let r = rotate {
            a.append(("transform", "rotate(\(Self.number(r)) \(Self.number(x)) \(Self.number(y)))"))
        }
        element("text", a + attrs, text: s)
    }

    public mutating func polyline(_ points: [(Double, Double)], _ attrs: [(String, String)] = []) {
        let p = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        element("polyline", [("points", p), ("fill", "none")] + attrs)
    }

    public mutating func circle(x: Double, y: Double, r: Double, _ attrs: [(String, String)] = []) {
        element(
            "circle",
            [("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(r))]
                + attrs)
    }

    /// The whole document.
    public func render() -> String {
        let w = Self.number(width), h = Self.number(height)
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(w)\" "
            + "height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" "
            + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
            + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
