import Foundation

/// A linear axis: a data interval mapped onto a pixel interval, with "nice" ticks
/// (steps of 1, 2 or 5 × 10^k) and labels printed with just enough decimals to tell
/// neighbouring ticks apart.
public struct PlotScale: Sendable, Equatable {
    public var lower: Double
    public var upper: Double

    /// - Parameter padded: widens the interval by 5% on both sides (for points and lines, so
    ///   markers at the extremes are not cut by the frame).
    public init(_ lower: Double, _ upper: Double, padded: Bool = false) {
        var lo = lower.isFinite ? lower : 0
        var hi = upper.isFinite ? upper : 1
        if hi < lo { swap(&lo, &hi) }
        if hi - lo <= max(abs(hi), abs(lo)) * 1e-12 {
            let w = max(0.01 * abs(lo), 0.5)
            lo -= w
            hi += w
        } else if padded {
            let w = 0.05 * (hi - lo)
            lo -= w
            hi += w
        }
        self.lower = lo
        self.upper = hi
    }

    /// Maps `x` into `pixels` (lower ↦ lowerBound, upper ↦ upperBound; the bounds may be
    /// given in either order so the y axis can point up).
    public func map(_ x: Double, to start: Double, _ end: Double) -> Double {
        start + (x - lower) / (upper - lower) * (end - start)
    }

    /// The tick step: 1, 2 or 5 × 10^k, giving about `target` ticks.
    public func step(target: Int = 5) -> Double {
        let raw = (upper - lower) / Double(max(1, target))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10
        return nice * magnitude
    }

    /// Tick positions inside the interval.
    public func ticks(target: Int = 5) -> [Double] {
        let s = step(target: target)
        guard s > 0, s.isFinite else { return [lower, upper] }
        var out: [Double] = []
        var k = (lower / s).rounded(.up)
        while k * s <= upper + s * 1e-9 && out.count < 100 {
            let t = k * s
            out.append(abs(t) < s * 1e-9 ? 0 : t)
            k += 1
        }
        return out
    }

    /// The label for tick `x`: fixed decimals derived from the step, or exponent notation for
    /// very large or very small magnitudes.
    public func label(_ x: Double, target: Int = 5) -> String {
        let s = step(target: target)
        let magnitude = max(abs(lower), abs(upper))
        if magnitude >= 1e6 || (magnitude < 1e-3 && magnitude > 0) {
            return String(format: "%.2e", x)
        }
        let decimals = max(0, min(10, Int((-log10(s)).rounded(.up))))
        return String(format: "%.\(decimals)f", x)
    }
}
