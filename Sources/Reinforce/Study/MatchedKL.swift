/// Comparing policies in the KL–reward plane at matched KL (paper §4.3: fronts are compared
/// at the same KL(π‖π_sft), never point against point).
///
/// A front is read as the piecewise-linear curve through its Pareto points (no other point has
/// at most its KL and more reward), sorted by KL. A point (k, r) is comparable when k lies in
/// the front's KL range; its gap is front(k) − r.
///
///     gap = mean over comparable points of ( front(kᵢ) − rᵢ )
///
/// - Complexity: O(F log F + P·F) for F front points and P points.
public enum MatchedKL {
    /// A point of the KL–reward plane.
    public struct Point: Codable, Sendable, Equatable {
        public var kl: Double
        public var reward: Double
        public init(kl: Double, reward: Double) {
            self.kl = kl
            self.reward = reward
        }
    }

    /// The mean gap and how many points were comparable.
    public struct Gap: Codable, Sendable, Equatable {
        /// Mean of front(kᵢ) − rᵢ over the comparable points; nil when none was.
        public var mean: Double?
        public var comparable: Int
        public var total: Int
    }

    /// The Pareto points of `points` (max reward at no more KL), sorted by KL.
    public static func pareto(_ points: [Point]) -> [Point] {
        let sorted = points.filter { $0.kl.isFinite && $0.reward.isFinite }
            .sorted { $0.kl < $1.kl || ($0.kl == $1.kl && $0.reward > $1.reward) }
        var front: [Point] = []
        for p in sorted where front.last.map({ p.reward > $0.reward }) ?? true {
            front.append(p)
        }
        return front
    }

    /// The front's reward at KL `k` by linear interpolation between its Pareto points; nil
    /// outside their KL range.
    public static func reward(of front: [Point], at k: Double) -> Double? {
        let f = pareto(front)
        guard let first = f.first, let last = f.last, k >= first.kl, k <= last.kl else {
            return nil
        }
        if f.count == 1 { return first.reward }
        for (a, b) in zip(f, f.dropFirst()) where k >= a.kl && k <= b.kl {
            if b.kl == a.kl { return max(a.reward, b.reward) }
            let t = (k - a.kl) / (b.kl - a.kl)
            return a.reward + t * (b.reward - a.reward)
        }
        return nil
    }

    /// Mean gap front(kᵢ) − rᵢ over the `points` that lie in the front's KL range.
    public static func gap(front: [Point], points: [Point]) -> Gap {
        let diffs = points.compactMap { p in reward(of: front, at: p.kl).map { $0 - p.reward } }
        return Gap(
            mean: diffs.isEmpty ? nil : diffs.reduce(0, +) / Double(diffs.count),
            comparable: diffs.count, total: points.count)
    }
}
