import SafeTensors

/// What to merge and how: method, coefficients, granularity, output dtype and the η values
/// of the outputs (one output per η).
public struct MergePlan: Sendable, Equatable {
    /// `sin Ω` below this with `cos Ω > 0` is treated as parallel (SLERP → LERP, its limit);
    /// near-antiparallel vectors have their own, wider cone (`Slerp.antiparallelSine`). At 1e-6 the SLERP and LERP coefficients
    /// differ by less than Ω²/6 ≈ 2e-13, far below any output dtype's resolution.
    public static let defaultParallelTolerance = 1e-6

    /// The method's name; `methodType` is its implementation in `MergeMethods.all`.
    public var method: MethodID
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
    /// Writes outputs holding NaN/±Inf (finite inputs whose merge overflows the output dtype,
    /// e.g. a huge η or task-arithmetic weight) instead of failing with
    /// `MergeError.nonFiniteOutput`. Inputs holding NaN/Inf are refused either way.
    public var allowNonFinite: Bool
    /// See `defaultParallelTolerance`.
    public var parallelTolerance: Double
    /// Worker threads for the element loops (results do not depend on it).
    public var threads: Int
    /// Merge only this share of the layout (`MergePartition`: whole groups and copies); `nil`
    /// merges everything. Not part of the recipe: every part writes the same bytes per tensor.
    public var part: MergePart?
    /// Per-tensor parameters of a `.perTensor` method (mergekit's methods); `nil` otherwise.
    public var recipe: Recipe?

    public init(
        method: MethodID, lambda: Double? = nil, weights: [Double]? = nil,
        granularity: Granularity = .layer, outputDType: DType? = nil, etas: [Double] = [1],
        allowNegativeEta: Bool = false, allowNonFinite: Bool = false,
        parallelTolerance: Double = MergePlan.defaultParallelTolerance, threads: Int = 2,
        part: MergePart? = nil, recipe: Recipe? = nil
    ) {
        self.method = method
        self.lambda = lambda
        self.weights = weights
        self.granularity = granularity
        self.outputDType = outputDType
        self.etas = etas
        self.allowNegativeEta = allowNegativeEta
        self.allowNonFinite = allowNonFinite
        self.parallelTolerance = parallelTolerance
        self.threads = threads
        self.part = part
        self.recipe = recipe
    }

    /// The implementation of `method`.
    /// - Throws: `MergeError.unknownMethod`.
    public func methodType() throws -> any MergeMethod.Type { try MergeMethods.method(method) }

    /// Checks the plan against the number of models and whether an init is present: the
    /// method's model count and init, one finite weight per model, the method's own rules,
    /// then λ, η, output dtype, tolerance.
    /// - Throws: `MergeError` naming what is wrong.
    public func validate(models: Int, hasInit: Bool) throws {
        let method = try methodType()
        if models < method.modelCount.lowerBound {
            throw MergeError.tooFewModels(
                method: method.displayName, needed: method.modelCount.lowerBound, got: models)
        }
        if models > method.modelCount.upperBound {
            throw MergeError.tooManyModels(
                method: method.displayName, allowed: method.modelCount.upperBound, got: models)
        }
        if method.needsInit, !hasInit { throw MergeError.initRequired(method: method.displayName) }
        try checkWeights(models: models)
        try method.validate(self, models: models, hasInit: hasInit)
        if let l = lambda, !l.isFinite {
            throw MergeError.invalidCoefficients(reason: "lambda \(l) is not finite")
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
        try part?.validate()
    }

    /// One finite weight per model, when weights are given.
    /// - Throws: `MergeError.invalidCoefficients`.
    public func checkWeights(models: Int) throws {
        guard let w = weights else { return }
        if w.count != models {
            throw MergeError.invalidCoefficients(reason: "\(w.count) weights for \(models) models")
        }
        if let bad = w.first(where: { !$0.isFinite }) {
            throw MergeError.invalidCoefficients(reason: "weight \(bad) is not finite")
        }
    }
}
