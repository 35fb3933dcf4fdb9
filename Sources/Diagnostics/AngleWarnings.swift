/// The warnings of an angle analysis and their thresholds.
///
/// - **zero task vector**: ‖δ_m‖ = 0 in a group (the model equals the init there, so Ω is
///   undefined and SLERP falls back to the other task vector); likewise all-zero weights.
/// - **norms apart**: max/min of two norms above `normRatioLimit` (default 2×), for task
///   vectors (the paper's Assumption 1 expects equal norms) and for full weights.
/// - **outlying Ω**: a pair whose Ω is further than
///   `max(outlierMinDegrees, outlierSigmas · σ̂)` from the median Ω of the whole family
///   (all groups and pairs), with the robust spread `σ̂ = 1.4826 · median|Ω − median|`
///   (the MAD, scaled to match a normal distribution's σ). Defaults 15° and 3σ̂: a family at
///   Ω ≈ 90° ± 1° flags a block at 70°, and a spread-out family does not flag its own tails.
public struct AngleWarnings: Sendable, Equatable {
    public var normRatioLimit: Double
    public var outlierMinDegrees: Double
    public var outlierSigmas: Double

    public init(
        normRatioLimit: Double = 2, outlierMinDegrees: Double = 15, outlierSigmas: Double = 3
    ) {
        self.normRatioLimit = normRatioLimit
        self.outlierMinDegrees = outlierMinDegrees
        self.outlierSigmas = outlierSigmas
    }

    /// The median of all task-vector angles Ω and the outlier threshold, or nil without them.
    public func outlierRule(_ report: AngleReport) -> (median: Double, threshold: Double)? {
        var angles: [Double] = []
        for g in report.groups {
            guard let t = g.taskVectors else { continue }
            for (i, j) in report.pairs { if let a = t.degrees(i, j) { angles.append(a) } }
        }
        guard let median = Self.median(angles) else { return nil }
        let mad = Self.median(angles.map { abs($0 - median) }) ?? 0
        return (median, max(outlierMinDegrees, outlierSigmas * 1.4826 * mad))
    }

    /// Appends the warnings to every group of `report`.
    public func annotate(_ report: inout AngleReport) {
        let rule = outlierRule(report)
        let pairs = report.pairs
        let name = AngleReport.shortName
        for g in report.groups.indices {
            var out: [String] = []
            let group = report.groups[g]
            if let t = group.taskVectors {
                for m in 0..<t.count where t.isZero(m) {
                    out.append("task vector of \(name(m)) is zero (the model equals the init here)")
                }
            }
            for m in 0..<group.weights.count where group.weights.isZero(m) {
                out.append("weights of \(name(m)) are all zero")
            }
            for (kind, stats) in [
                ("task-vector", group.taskVectors), ("full-weight", group.weights),
            ] {
                guard let stats else { continue }
                for (i, j) in pairs {
                    guard let r = stats.normRatio(i, j), r > 0 else { continue }
                    let spread = max(r, 1 / r)
                    if spread > normRatioLimit {
                        out.append(
                            "\(kind) norms of \(name(i)) and \(name(j)) differ by "
                                + Self.format(spread) + "x (more than "
                                + Self.format(normRatioLimit) + "x)")
                    }
                }
            }
            if let rule, let t = group.taskVectors {
                for (i, j) in pairs {
                    guard let a = t.degrees(i, j), abs(a - rule.median) > rule.threshold else {
                        continue
                    }
                    out.append(
                        "Ω(\(name(i)), \(name(j))) = " + Self.format(a) + "° is far from the "
                            + "family's median " + Self.format(rule.median) + "° (threshold "
                            + Self.format(rule.threshold) + "°)")
                }
            }
            report.groups[g].warnings = out
        }
    }

    /// The median of `values`, or nil when empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// A number with up to 3 decimals, for messages.
    static func format(_ x: Double) -> String {
        let r = (x * 1000).rounded() / 1000
        return r == r.rounded() && abs(r) < 1e15 ? String(Int(r)) + ".0" : String(r)
    }
}
