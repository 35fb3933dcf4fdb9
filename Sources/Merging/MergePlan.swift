import SafeTensors

/// The merge methods of the engine. Each is "out = θ_init + Σ c_m δ_m" per group, with
/// `δ_m = θ_m − θ_init` (or `θ_m` when there is no init) and coefficients `c` chosen from the
/// group's Gram matrix of task vectors; a LITI front then maps every output through
/// `(1 − η)·θ_init + η·out`.
public enum MergeMethod: String, Sendable, Codable, CaseIterable {
    /// Spherical interpolation of task vectors (paper Equation (SLERP)); slerpm for M > 2
    /// (eq. 26). Needs an init and M ≥ 2.
    case slerp
    /// Weighted average `Σ w_m θ_m` with `w` normalised to sum to 1 (LERP, appendix B).
    case lerp
    /// Task arithmetic `θ_init + Σ w_m δ_m`, weights as given (Ilharco et al.). Needs an init.
    case taskArithmetic = "task-arithmetic"
    /// `θ_init + η·(θ_merged − θ_init)` of one merged model (paper Equation (LITI)); the η
    /// values are the plan's `etas`. Needs an init and exactly one model.
    case liti
}

/// What to merge and how: method, coefficients, granularity, output dtype and the η values
/// of the outputs (one output per η).
public struct MergePlan: Sendable, Equatable {
    /// `sin Ω` below this is treated as parallel (SLERP → LERP, its limit) or, when
    /// `cos Ω < 0`, antiparallel (LERP plus a warning). At 1e-6 the SLERP and LERP coefficients
    /// differ by less than Ω²/6 ≈ 2e-13, far below any output dtype's resolution.
    public static let defaultParallelTolerance = 1e-6

    public var method: MergeMethod
    /// SLERP of two models: the weight λ of the second task vector (0 gives δ₁, 1 gives δ₂).
    /// Ignored when `weights` is set.
    public var lambda: Double?
    /// Per-model weights. SLERP: step k of the recursion uses λ_k = w_k / Σ_{j≤k} w_j
    /// (uniform weights give eq. 26's λ = 1/k). LERP: normalised to sum 1. Task arithmetic:
    /// used as given. `nil` means uniform (1/M).
    public var weights: [Double]?
    public var granularity: Granularity
    /// Output dtype for float tensors; `nil` keeps the init's (or, without init, the first
    /// model's) dtype per tensor.
    public var outputDType: DType?
    /// One output per η: `(1−η)·θ_init + η·merge`. `[1]` writes the plain merge. For `.liti`
    /// these are the LITI coefficients themselves.
    public var etas: [Double]
    /// Allows η < 0 (extrapolation away from the merge).
    public var allowNegativeEta: Bool
    /// See `defaultParallelTolerance`.
    public var parallelTolerance: Double
    /// Worker threads for the element loops (results do not depend on it).
    public var threads: Int

    public init(
        method: MergeMethod, lambda: Double? = nil, weights: [Double]? = nil,
        granularity: Granularity = .layer, outputDType: DType? = nil, etas: [Double] = [1],
        allowNegativeEta: Bool = false,
        parallelTolerance: Double = MergePlan.defaultParallelTolerance, threads: Int = 2
    ) {
        self.method = method
        self.lambda = lambda
        self.weights = weights
        self.granularity = granularity
        self.outputDType = outputDType
        self.etas = etas
        self.allowNegativeEta = allowNegativeEta
        self.parallelTolerance = parallelTolerance
        self.threads = threads
    }

    /// Checks the plan against the number of models and whether an init is present.
    /// - Throws: `MergeError` naming what is wrong.
    public func validate(models: Int, hasInit: Bool) throws {
        switch method {
        case .slerp:
            if models < 2 { throw MergeError.tooFewModels(method: "slerp", needed: 2, got: models) }
            if !hasInit { throw MergeError.initRequired(method: "slerp") }
        case .lerp:
            if models < 1 { throw MergeError.tooFewModels(method: "lerp", needed: 1, got: models) }
        case .taskArithmetic:
            if models < 1 {
                throw MergeError.tooFewModels(method: "task arithmetic", needed: 1, got: models)
            }
            if !hasInit { throw MergeError.initRequired(method: "task arithmetic") }
        case .liti:
            if models != 1 {
                throw MergeError.invalidCoefficients(
                    reason: "liti takes exactly one merged model, got \(models)")
            }
            if !hasInit { throw MergeError.initRequired(method: "liti") }
        }
        if let w = weights {
            if w.count != models {
                throw MergeError.invalidCoefficients(
                    reason: "\(w.count) weights for \(models) models")
            }
            if let bad = w.first(where: { !$0.isFinite }) {
                throw MergeError.invalidCoefficients(reason: "weight \(bad) is not finite")
            }
            if method == .slerp || method == .lerp {
                if w.contains(where: { $0 < 0 }) {
                    throw MergeError.invalidCoefficients(
                        reason: "\(method.rawValue) weights must be ≥ 0")
                }
                if w.reduce(0, +) <= 0 || (method == .slerp && w[0] <= 0) {
                    throw MergeError.invalidCoefficients(
                        reason:
                            "\(method.rawValue) weights must have a positive sum and first weight")
                }
            }
        }
        if let l = lambda {
            if !l.isFinite {
                throw MergeError.invalidCoefficients(reason: "lambda \(l) is not finite")
            }
            if method == .slerp, models != 2, weights == nil {
                throw MergeError.invalidCoefficients(
                    reason: "--lambda is for two models; use --weights for \(models)")
            }
        }
        if etas.isEmpty { throw MergeError.invalidCoefficients(reason: "no eta values") }
        for e in etas {
            if !e.isFinite {
                throw MergeError.invalidCoefficients(reason: "eta \(e) is not finite")
            }
            if e < 0, !allowNegativeEta { throw MergeError.negativeEta(eta: e) }
        }
        if etas.contains(where: { $0 != 1 }), !hasInit {
            throw MergeError.initRequired(method: "liti (eta ≠ 1)")
        }
        if let d = outputDType, !d.isConvertibleFloat {
            throw MergeError.invalidOutputDType(dtype: d)
        }
        if !(parallelTolerance >= 0 && parallelTolerance < 1) {
            throw MergeError.invalidCoefficients(reason: "parallel tolerance \(parallelTolerance)")
        }
    }
}
