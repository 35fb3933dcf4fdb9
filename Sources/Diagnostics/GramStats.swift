import Foundation

/// Angles and norms of M vectors, derived from their Gram matrix `G[i][j] = v_i · v_j`:
///
///     ‖v_i‖ = √G_ii,   cos(v_i, v_j) = G_ij / (‖v_i‖ ‖v_j‖),   angle = acos(cos) in degrees
///
/// When the squared distances `D_ij = ‖v_i − v_j‖²` are accumulated directly (for weights
/// and task vectors alike, since δ_i − δ_j = θ_i − θ_j), the angle is taken from the three
/// sides a = ‖v_i‖, b = ‖v_j‖, c = ‖v_i − v_j‖ instead, which keeps small angles (ω ≈ 0°,
/// Figure 11(b)) accurate where `G_ij / (a b)` rounds to 1:
///
///     1 − cos = (c − (a − b)) · (c + (a − b)) / (2ab),   angle = 2·asin(√((1 − cos)/2))
///
/// The three-sides form is used only for angles below 60° (Gram cos > 0.5): near 90° and
/// beyond, `G_ij` itself is the better-conditioned input (its error scales with ‖v_i‖‖v_j‖,
/// the sides' with ‖v_i‖² + ‖v_j‖², which is worse when the norms differ).
///
/// - SeeAlso: WARP paper, appendix C.2 and Figure 6 (cos Ω, cos ω).
public struct GramStats: Sendable, Equatable {
    /// Number of vectors M.
    public let count: Int
    /// `G`, row-major M×M, symmetric.
    public let gram: [Double]
    /// `D[i][j] = ‖v_i − v_j‖²`, row-major M×M, when known independently of `gram`.
    public let differenceGram: [Double]?

    public init(count: Int, gram: [Double], differenceGram: [Double]? = nil) {
        precondition(gram.count == count * count)
        precondition(differenceGram.map { $0.count == count * count } ?? true)
        self.count = count
        self.gram = gram
        self.differenceGram = differenceGram
    }

    /// `‖v_i‖` for every i.
    public var norms: [Double] { (0..<count).map { norm($0) } }

    public func norm(_ i: Int) -> Double { max(0, gram[i * count + i]).squareRoot() }

    /// Whether `v_i` is exactly zero.
    public func isZero(_ i: Int) -> Bool { gram[i * count + i] == 0 }

    /// `1 − cos(v_i, v_j)` in [0, 2], or `nil` when either vector is zero.
    public func oneMinusCos(_ i: Int, _ j: Int) -> Double? {
        if i == j { return isZero(i) ? nil : 0 }
        let a = norm(i), b = norm(j)
        guard a > 0, b > 0 else { return nil }
        let cos = min(1, max(-1, gram[i * count + j] / (a * b)))
        if let d = differenceGram, cos > 0.5 {
            let c = max(0, d[i * count + j]).squareRoot()
            let e = a - b
            return min(2, max(0, (c - e) * (c + e) / (2 * a * b)))
        }
        return 1 - cos
    }

    /// `cos(v_i, v_j)` in [−1, 1], or `nil` when either vector is zero.
    public func cos(_ i: Int, _ j: Int) -> Double? {
        oneMinusCos(i, j).map { 1 - $0 }
    }

    /// The angle between `v_i` and `v_j` in degrees, in [0, 180], or `nil` when either vector
    /// is zero.
    public func degrees(_ i: Int, _ j: Int) -> Double? {
        oneMinusCos(i, j).map { 2 * asin(min(1, ($0 / 2).squareRoot())) * 180 / Double.pi }
    }

    /// `‖v_i‖ / ‖v_j‖`, or `nil` when `v_j` is zero.
    public func normRatio(_ i: Int, _ j: Int) -> Double? {
        let b = norm(j)
        return b > 0 ? norm(i) / b : nil
    }

    /// The M×M cosine matrix (`nil` entries where a vector is zero).
    public var cosMatrix: [[Double?]] {
        (0..<count).map { i in (0..<count).map { j in cos(i, j) } }
    }

    /// The pairs `(i, j)` with `i < j`, row by row.
    public static func pairs(_ m: Int) -> [(Int, Int)] {
        (0..<m).flatMap { i in ((i + 1)..<max(i + 1, m)).map { (i, $0) } }
    }
}
