import Foundation

extension MethodID {
    /// Spherical interpolation of task vectors; slerpm for M > 2.
    public static let slerp: MethodID = "slerp"
}

/// Why a SLERP step did not use the spherical formula.
public enum SlerpFallback: String, Sendable, Codable {
    /// A task vector (or the running merge) has norm 0: the angle is undefined; LERP is used.
    case zeroTaskVector = "zero-task-vector"
    /// `sin Ω` below the parallel tolerance with `cos Ω > 0`: LERP, SLERP's limit as Ω → 0.
    case parallel
    /// Near-antiparallel (`cos Ω < 0` and `sin Ω < Slerp.antiparallelSine`): the arc is
    /// ill-defined and its coefficients explode; LERP with a warning naming group and angle.
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

/// SLERP of task vectors (WARP stage 2), slerpm for M > 2:
///
///     Ω = angle(δ₁, δ₂);  out = θ_init + sin((1−λ)Ω)/sin Ω · δ₁ + sin(λΩ)/sin Ω · δ₂
///     slerpm(θ₁…θ_M) = slerp(slerpm(θ₁…θ_{M−1}), θ_M, λ = 1/M)      (λ_k = w_k / Σ_{j≤k} w_j)
///
/// The running merge of the recursion is `r = Σ a_m δ_m`, so its norm and its dot with `δ_k`
/// are `aᵀGa` and `(Ga)_k`: the coefficients come from the group's Gram matrix in closed form.
/// Ω is `GramStats.angle` (the Gram formula `acos(G₁₂/‖δ₁‖‖δ₂‖)`, which `angles` reports for
/// task vectors too).
///
/// Degenerate geometry falls back to LERP (`α = 1−λ, β = λ`): a zero norm; `sin Ω` below the
/// plan's parallel tolerance with `cos Ω > 0` (LERP is SLERP's limit there); and
/// near-antiparallel vectors, `cos Ω < 0` with `sin Ω < antiparallelSine` = 0.1, i.e.
/// Ω > 180° − 5.74°. Outside that cone `|α|, |β| ≤ 1/sin Ω < 10`; inside it the arc through
/// the far side is ill-defined (at 179.3° the coefficients would be ≈ 81), so LERP is used and
/// the merge report warns, naming the group and the angle.
///
/// - Complexity: O(M³) scalar work per group; one statistics pass over the inputs.
/// - SeeAlso: WARP paper, Equation (SLERP), eq. 26 (slerpm).
public enum Slerp: MergeMethod {
    public static let id = MethodID.slerp
    public static let modelCount = 2...Int.max
    public static let needsInit = true
    public static let needsStatistics = true
    public static let formula =
        "θ_init + sin((1−λ)Ω)/sin Ω · δ1 + sin(λΩ)/sin Ω · δ2"

    /// `sin Ω` below this with `cos Ω < 0` is near-antiparallel: Ω > 180° − asin(0.1) ≈ 174.26°.
    public static let antiparallelSine = 0.1

    public static func validate(_ plan: MergePlan, models: Int, hasInit: Bool) throws {
        if let w = plan.weights { try requireNonNegativeWeights(w, firstPositive: true) }
        if plan.lambda != nil, models != 2, plan.weights == nil {
            throw MergeError.lambdaNeedsTwoModels(models: models)
        }
    }

    /// SLERP of two vectors with squared norms `n1`, `n2` and dot product `dot`:
    ///
    ///     Ω = GramStats.angle;  α = sin((1−λ)Ω)/sin Ω,  β = sin(λΩ)/sin Ω
    ///
    /// falling back to LERP `α = 1−λ, β = λ` for zero norms, for `sin Ω < tolerance`, and for
    /// `cos Ω < 0` with `sin Ω < max(tolerance, antiparallelSine)`.
    public static func pair(
        n1: Double, n2: Double, dot: Double, lambda: Double, tolerance: Double
    ) -> (alpha: Double, beta: Double, omega: Double?, fallback: SlerpFallback?) {
        let geometry = GramStats(n1: n1, n2: n2, dot: dot)
        guard let omega = geometry.angle(0, 1), let cosine = geometry.cos(0, 1) else {
            return (1 - lambda, lambda, nil, .zeroTaskVector)
        }
        let s = sin(omega)
        if cosine < 0, s < max(tolerance, antiparallelSine) {
            return (1 - lambda, lambda, omega, .antiparallel)
        }
        if s < tolerance { return (1 - lambda, lambda, omega, .parallel) }
        return (sin((1 - lambda) * omega) / s, sin(lambda * omega) / s, omega, nil)
    }

    public static func coefficients(plan: MergePlan, gram: [[Double]]) -> GroupCoefficients {
        let m = gram.count
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
            let step = pair(
                n1: rr, n2: gram[k][k], dot: ga[k], lambda: lambda,
                tolerance: plan.parallelTolerance)
            for i in 0..<m { a[i] *= step.alpha }
            a[k] += step.beta
            steps.append(
                SlerpStep(
                    model: k + 1, lambda: lambda, omega: step.omega,
                    alpha: step.alpha, beta: step.beta, fallback: step.fallback))
        }
        return GroupCoefficients(c: a, steps: steps)
    }
}
