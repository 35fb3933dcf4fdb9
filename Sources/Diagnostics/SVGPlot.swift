/// A figure of one or more panels drawn as standalone SVG: titled, with axes, ticks, labels,
/// and per panel any mix of lines, scatter points and histograms, with a legend.
///
/// Used for the angle diagnostics (Figure 11 of the WARP paper: four histogram panels; angle
/// versus block index) and meant for the trainer's KL–reward fronts (lines with markers,
/// scatter of checkpoints). Build the value, then call `render()`:
///
///     var fig = SVGPlot(title: "KL vs reward", columns: 1)
///     fig.panels = [SVGPlot.Panel(title: "", xLabel: "KL", yLabel: "reward", series: [
///         .line("LITI front", points: front, markers: true),
///         .scatter("REINFORCE", points: runs)])]
///     try fig.render().write(toFile: "front.svg", atomically: true, encoding: .utf8)
///
/// - Complexity: O(points + bins) to render.
public struct SVGPlot: Sendable {
    public var title: String
    /// Lines under the title (inputs, settings), smaller.
    public var subtitle: [String]
    public var panels: [Panel]
    /// Panels per row.
    public var columns: Int
    public var panelWidth: Double
    public var panelHeight: Double

    public init(
        title: String, subtitle: [String] = [], panels: [Panel] = [], columns: Int = 2,
        panelWidth: Double = 440, panelHeight: Double = 320
    ) {
        self.title = title
        self.subtitle = subtitle
        self.panels = panels
        self.columns = max(1, columns)
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    /// A point in data coordinates.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(_ x: Double, _ y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// A horizontal or vertical reference line with an optional label.
    public struct Reference: Sendable, Equatable {
        public enum Axis: Sendable, Equatable { case x, y }
        public var axis: Axis
        public var value: Double
        public var label: String?
        public init(_ axis: Axis, at value: Double, label: String? = nil) {
            self.axis = axis
            self.value = value
            self.label = label
        }
    }

    /// One data series.
    public struct Series: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Points joined in order; `markers` adds a dot at each point.
            case line(markers: Bool)
            /// Unjoined dots.
            case scatter
            /// Bars over the histogram's bins, height = count.
            case histogram(Histogram)
        }

        public var label: String?
        public var kind: Kind
        public var points: [Point]
        /// A CSS colour; nil picks the next of the palette.
        public var color: String?

        public init(label: String?, kind: Kind, points: [Point] = [], color: String? = nil) {
            self.label = label
            self.kind = kind
            self.points = points
            self.color = color
        }

        public static func line(
            _ label: String?, points: [Point], markers: Bool = false, color: String? = nil
        ) -> Series {
            Series(label: label, kind: .line(markers: markers), points: points, color: color)
        }

        public static func scatter(_ label: String?, points: [Point], color: String? = nil)
            -> Series
        {
            Series(label: label, kind: .scatter, points: points, color: color)
        }

        public static func histogram(
            _ label: String?, _ histogram: Histogram, color: String? = nil
        ) -> Series {
            Series(label: label, kind: .histogram(histogram), color: color)
        }
    }

    /// One set of axes.
    public struct Panel: Sendable, Equatable {
        public var title: String
        public var xLabel: String
        public var yLabel: String
        public var series: [Series]
        /// Fixed axis ranges; nil takes the data's (histograms: bin edges and 0…max count).
        public var xRange: ClosedRange<Double>?
        public var yRange: ClosedRange<Double>?
        public var references: [Reference]
        /// Short lines of text between the panel's title and its frame (e.g. `n = 28`).
        public var notes: [String]

        public init(
            title: String, xLabel: String, yLabel: String, series: [Series] = [],
            xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
            references: [Reference] = [], notes: [String] = []
        ) {
            self.title = title
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.series = series
            self.xRange = xRange
            self.yRange = yRange
            self.references = references
            self.notes = notes
        }
    }

    /// Colours for series without one (a colour-blind-safe qualitative palette).
    public static let palette = [
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    ]
}
