import Foundation

/// The one geometry of the project: norms, cosines and angles of M vectors from their Gram
/// matrix `G[i][j] = v_i · v_j`. SLERP's coefficients, the merge report and `angles` all take
/// them from here, so `slerp --json` and `angles --json` agree to the last digit.
///
///     ‖v_i‖ = √G_ii,   cos(v_i, v_j) = G_ij / (‖v_i‖ ‖v_j‖) clamped to [−1, 1],
///     angle = acos(cos)
///
/// When the squared distances `D_ij = ‖v_i − v_j‖²` are given (`differenceGram`), angles
/// below 60° (Gram cos > 0.5) are taken from the three sides a = ‖v_i‖, b = ‖v_j‖,
/// c = ‖v_i − v_j‖ instead, which keeps tiny angles (ω ≈ 0° between full weights, Figure
/// 11(b)) accurate where `G_ij / (a b)` rounds to 1:
///
///     1 − cos = (c − (a − b)) · (c + (a − b)) / (2ab),   angle = 2·asin(√((1 − cos)/2))
///
/// Near 90° and beyond, `G_ij` itself is the better-conditioned input (its error scales with
/// ‖v_i‖‖v_j‖, the sides' with ‖v_i‖² + ‖v_j‖²).
///
/// Task vectors are measured **without** distances, everywhere: SLERP's Ω must be the Gram
/// formula (the three-sides form would move Ω, hence the coefficients and the merged bytes, in
/// the last bits), and `angles` reports the Ω the merge uses. Task vectors of fine-tunes are
/// nearly orthogonal, where the Gram formula is the accurate one anyway. Full weights, whose
/// angles are tiny, are measured with distances.
///
/// - Complexity: O(1) per entry; O(M²) for the matrices.
/// - SeeAlso: WARP paper, Equation (SLERP) (Ω), appendix C.2 and Figure 11 (cos Ω, cos ω).
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

    /// The geometry of two vectors with squared norms `n1`, `n2` and dot product `dot`.
    public init(n1: Double, n2: Double, dot: Double) {
        self.init(count: 2, gram: [n1, dot, dot, n2])
    }

    /// From a symmetric Gram matrix given as rows.
    public init(rows: [[Double]]) {
        self.init(count: rows.count, gram: rows.flatMap { $0 })
    }

    /// `‖v_i‖` for every i.
    public var norms: [Double] { (0..<count).map { norm($0) } }

    public func norm(_ i: Int) -> Double { max(0, gram[i * count + i]).squareRoot() }

    /// Whether `v_i` is exactly zero.
    public func isZero(_ i: Int) -> Bool { gram[i * count + i] == 0 }

    /// The Gram cosine `G_ij / (‖v_i‖ ‖v_j‖)` clamped to [−1, 1], or `nil` for a zero vector.
    func gramCos(_ i: Int, _ j: Int) -> Double? {
        let a = norm(i), b = norm(j)
        guard a > 0, b > 0 else { return nil }
        return min(1, max(-1, gram[i * count + j] / (a * b)))
    }

    /// `1 − cos` from the three sides when distances are known and the angle is below 60°.
    private func sidesOneMinusCos(_ i: Int, _ j: Int, gramCos: Double) -> Double? {
        guard let d = differenceGram, gramCos > 0.5 else { return nil }
        let a = norm(i), b = norm(j)
        let c = max(0, d[i * count + j]).squareRoot()
        let e = a - b
        return min(2, max(0, (c - e) * (c + e) / (2 * a * b)))
    }

    /// `1 − cos(v_i, v_j)` in [0, 2], or `nil` when either vector is zero.
    public func oneMinusCos(_ i: Int, _ j: Int) -> Double? {
        if i == j { return isZero(i) ? nil : 0 }
        guard let c = gramCos(i, j) else { return nil }
        return sidesOneMinusCos(i, j, gramCos: c) ?? 1 - c
    }

    /// `cos(v_i, v_j)` in [−1, 1], or `nil` when either vector is zero.
    public func cos(_ i: Int, _ j: Int) -> Double? {
        if i == j { return isZero(i) ? nil : 1 }
        guard let c = gramCos(i, j) else { return nil }
        return sidesOneMinusCos(i, j, gramCos: c).map { 1 - $0 } ?? c
    }

    /// The angle between `v_i` and `v_j` in radians, in [0, π], or `nil` when either vector
    /// is zero.
    public func angle(_ i: Int, _ j: Int) -> Double? {
        if i == j { return isZero(i) ? nil : 0 }
        guard let c = gramCos(i, j) else { return nil }
        if let s = sidesOneMinusCos(i, j, gramCos: c) {
            return 2 * asin(min(1, (s / 2).squareRoot()))
        }
        return acos(c)
    }

    /// The angle between `v_i` and `v_j` in degrees, in [0, 180], or `nil` when either vector
    /// is zero.
    public func degrees(_ i: Int, _ j: Int) -> Double? {
        angle(i, j).map { $0 * 180 / Double.pi }
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

    /// `‖Σ c_m v_m‖` = √(cᵀGc), the norm of a linear combination.
    public func norm(of c: [Double]) -> Double {
        var s = 0.0
        for i in 0..<count { for j in 0..<count { s += c[i] * c[j] * gram[i * count + j] } }
        return max(0, s).squareRoot()
    }

    /// The pairs `(i, j)` with `i < j`, row by row.
    public static func pairs(_ m: Int) -> [(Int, Int)] {
        (0..<m).flatMap { i in ((i + 1)..<max(i + 1, m)).map { (i, $0) } }
    }
}
