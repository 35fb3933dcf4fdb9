/// Counts of values in equal-width bins.
///
/// Bin k holds `edges[k] ≤ x < edges[k+1]`; the last bin also holds `x == edges.last`.
/// Without an explicit range the bins span the data's min…max; when every value is the
/// same, the range is widened to `x ± max(0.01·|x|, 0.01)` so the single bar has a width.
///
/// - Complexity: O(n) time, O(bins) memory.
public struct Histogram: Sendable, Equatable {
    /// `bins + 1` increasing edges.
    public let edges: [Double]
    /// One count per bin.
    public let counts: [Int]

    /// - Parameters:
    ///   - values: finite values (non-finite ones are ignored).
    ///   - bins: number of bins, at least 1.
    ///   - range: the bins' span; values outside it are ignored.
    public init(values: [Double], bins: Int, range: ClosedRange<Double>? = nil) {
        precondition(bins >= 1)
        let finite = values.filter(\.isFinite)
        var lo = range?.lowerBound ?? finite.min() ?? 0
        var hi = range?.upperBound ?? finite.max() ?? 1
        if hi <= lo {
            let w = max(0.01 * abs(lo), 0.01)
            lo -= w
            hi += w
        }
        let width = (hi - lo) / Double(bins)
        edges = (0...bins).map { $0 == bins ? hi : lo + Double($0) * width }
        var counts = [Int](repeating: 0, count: bins)
        for x in finite where x >= lo && x <= hi {
            let k = min(bins - 1, max(0, Int(((x - lo) / width).rounded(.down))))
            counts[k] += 1
        }
        self.counts = counts
    }

    public var bins: Int { counts.count }
    public var total: Int { counts.reduce(0, +) }
    /// The largest count (0 when empty).
    public var maxCount: Int { counts.max() ?? 0 }

    /// The span of bin `k`.
    public func bin(_ k: Int) -> Range<Double> { edges[k]..<edges[k + 1] }
}

/// Minimum, median and maximum of a list of values.
public struct Summary: Sendable, Equatable {
    public var count: Int
    public var min: Double
    public var median: Double
    public var max: Double

    /// Nil when `values` has no finite value.
    public init?(_ values: [Double]) {
        let s = values.filter(\.isFinite).sorted()
        guard let first = s.first, let last = s.last else { return nil }
        count = s.count
        min = first
        max = last
        median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
