import Foundation

/// Why a SLERP step did not use the spherical formula.
public enum SlerpFallback: String, Sendable, Codable {
    /// A task vector (or the running merge) has norm 0: the angle is undefined; LERP is used.
    case zeroTaskVector = "zero-task-vector"
    /// `sin Ω` below the tolerance with `cos Ω > 0`: LERP, which is SLERP's limit as Ω → 0.
    case parallel
    /// `sin Ω` below the tolerance with `cos Ω < 0`: the arc is undefined; LERP with a warning.
    case antiparallel
}

/// One step of the SLERP recursion in a group: `r ← α·r + β·δ_k`.
public struct SlerpStep: Sendable, Codable, Equatable {
    /// The model merged in at this step (2…M, 1-based as in the paper).
    public var model: Int
    /// The step's interpolation coefficient λ_k (weight of δ_k).
    public var lambda: Double
    /// The angle between the running merge and δ_k, in radians (`nil` if a norm is 0).
    public var omega: Double?
    public var alpha: Double
    public var beta: Double
    public var fallback: SlerpFallback?
}

/// Coefficients of the merge from the Gram matrix of task vectors, closed form: no tensor is
/// touched. Since the running merge of the slerpm recursion is a linear combination
/// `r = Σ a_m δ_m`, its norm and its dot with `δ_k` are `aᵀGa` and `(Ga)_k`.
///
/// - Complexity: O(M³) scalar work per group.
/// - SeeAlso: WARP paper, Equation (SLERP), eq. 26 (slerpm), LERP in appendix B.
public enum MergeCoefficients {
    /// SLERP of two vectors with squared norms `n1`, `n2` and dot product `dot`:
    ///
    ///     Ω = arccos(dot / √(n1·n2));  α = sin((1−λ)Ω)/sin Ω,  β = sin(λΩ)/sin Ω
    ///
    /// falling back to LERP `α = 1−λ, β = λ` for zero norms and for `sin Ω < tolerance`.
    public static func slerpPair(
        n1: Double, n2: Double, dot: Double, lambda: Double, tolerance: Double
    ) -> (alpha: Double, beta: Double, omega: Double?, fallback: SlerpFallback?) {
        guard n1 > 0, n2 > 0 else { return (1 - lambda, lambda, nil, .zeroTaskVector) }
        let cosine = min(1, max(-1, dot / (n1.squareRoot() * n2.squareRoot())))
        let omega = acos(cosine)
        let s = sin(omega)
        if s < tolerance {
            return (1 - lambda, lambda, omega, cosine > 0 ? .parallel : .antiparallel)
        }
        return (sin((1 - lambda) * omega) / s, sin(lambda * omega) / s, omega, nil)
    }

    /// The coefficients `c` of `out = θ_init + Σ c_m δ_m` for `plan` given the group's Gram
    /// matrix `gram[m][n] = δ_m·δ_n`, and the SLERP steps taken (empty for other methods).
    public static func coefficients(
        plan: MergePlan, gram: [[Double]]
    ) -> (c: [Double], steps: [SlerpStep]) {
        let m = gram.count
        switch plan.method {
        case .liti:
            return ([1], [])
        case .lerp:
            let w = plan.weights ?? Array(repeating: 1, count: m)
            let total = w.reduce(0, +)
            return (w.map { $0 / total }, [])
        case .taskArithmetic:
            return (plan.weights ?? Array(repeating: 1 / Double(m), count: m), [])
        case .slerp:
            var a = Array(repeating: 0.0, count: m)
            a[0] = 1
            var steps: [SlerpStep] = []
            var cumulative = plan.weights?[0] ?? 1
            for k in 1..<m {
                let lambda: Double
                if let w = plan.weights {
                    cumulative += w[k]
                    lambda = w[k] / cumulative
                } else if m == 2, let l = plan.lambda {
                    lambda = l
                } else {
                    lambda = 1 / Double(k + 1)
                }
                var ga = Array(repeating: 0.0, count: m)  // G·a
                for i in 0..<m { for j in 0..<m { ga[i] += gram[i][j] * a[j] } }
                var rr = 0.0
                for i in 0..<m { rr += a[i] * ga[i] }
                let pair = slerpPair(
                    n1: rr, n2: gram[k][k], dot: ga[k], lambda: lambda,
                    tolerance: plan.parallelTolerance)
                for i in 0..<m { a[i] *= pair.alpha }
                a[k] += pair.beta
                steps.append(
                    SlerpStep(
                        model: k + 1, lambda: lambda, omega: pair.omega,
                        alpha: pair.alpha, beta: pair.beta, fallback: pair.fallback))
            }
            return (a, steps)
        }
    }
}
