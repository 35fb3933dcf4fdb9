import SafeTensors

/// The name of a merge method, as written in recipes, reports and `merge.method` metadata
/// (`slerp`, `lerp`, `task-arithmetic`, `liti`). Each method's file adds its constant, e.g.
/// `MethodID.slerp`; `MergeMethods.method(_:)` finds the implementation.
public struct MethodID: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
}

/// How a method computes its output, which decides the engine's loop.
public enum MethodKind: Sendable {
    /// `out = θ_init + Σ c_m δ_m` per group, with coefficients `c` from the group's Gram
    /// matrix (closed form, no tensor touched): slerp, lerp, task arithmetic, liti.
    case coefficients
    /// `out = f(θ_base, θ_1 … θ_M)` one tensor at a time, with parameters resolved per
    /// tensor from the plan's `Recipe` (TIES, DARE, model_stock, full-weight slerp…: a rule per
    /// element, exact top-k or seeded randomness). The engine runs the method's
    /// `tensorStream` over chunks of every input decoded to `Double` (statistics passes, then
    /// the write pass) and rounds the result once.
    case perTensor
}

/// The coefficients of one group and the SLERP steps taken to get them (empty for other
/// methods).
public struct GroupCoefficients: Sendable, Equatable {
    /// `c` of `out = θ_init + Σ c_m δ_m` (for LITI, `[1]` of `s = θ_1`).
    public var c: [Double]
    public var steps: [SlerpStep]

    public init(c: [Double], steps: [SlerpStep] = []) {
        self.c = c
        self.steps = steps
    }
}

/// A merge method: what it needs, what it checks and its coefficients. A new method is one
/// file in `Merging/Methods/` conforming to this protocol, a `MethodID` constant in it, and
/// one line in `MergeMethods.all`.
///
/// Contract: `MergePlan.validate` checks `modelCount`, `needsInit` and the weights' count,
/// then calls `validate`, before any tensor is read; `coefficients` is pure and gets the
/// symmetric M×M Gram matrix of the group's task vectors (`δ_m·δ_n`, or `θ_m·θ_n` without an
/// init) — from the statistics pass when `needsStatistics`, else all zeros.
public protocol MergeMethod: SendableMetatype {
    /// The method's name (recipes, reports, metadata).
    static var id: MethodID { get }
    /// The name in messages, e.g. "task arithmetic".
    static var displayName: String { get }
    /// How outputs are computed (default `.coefficients`).
    static var kind: MethodKind { get }
    /// How many models it merges (`2...` for slerp, `1...1` for liti).
    static var modelCount: ClosedRange<Int> { get }
    /// Whether θ_init is required.
    static var needsInit: Bool { get }
    /// Whether the coefficients need the group's Gram matrix before the write pass (a second
    /// read of the inputs).
    static var needsStatistics: Bool { get }
    /// Whether the merge `s` is the one model itself (LITI: `s = θ_1`, not `θ_init + 1·δ_1`).
    static var mergeIsModel: Bool { get }
    /// The formula of the merge, one line, for `--help` and the model card (in the help's
    /// notation: `δm = θm − θ_init`, weights `wm`, `Ω = angle(δ1, δ2)`).
    static var formula: String { get }
    /// Checks the method's own rules on `plan` (weight signs, λ), after `MergePlan.validate`
    /// has checked `modelCount`, `needsInit` and one finite weight per model. Default: none.
    /// - Throws: `MergeError` naming what is wrong.
    static func validate(_ plan: MergePlan, models: Int, hasInit: Bool) throws
    /// The group's coefficients from its Gram matrix (`.coefficients` methods).
    static func coefficients(plan: MergePlan, gram: [[Double]]) -> GroupCoefficients
    /// One tensor in memory merged in `Double` (`.perTensor` methods), its parameters resolved
    /// for this tensor by `settings`. Default: throws (coefficient methods never get here).
    /// - Throws: `MergeError` or `RecipeError` naming the tensor.
    static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    /// One tensor's merge as passes over chunks (`.perTensor` methods), its parameters
    /// resolved for this tensor by `settings`: what the engine runs. Default: throws.
    /// - Throws: `MergeError` or `RecipeError` naming the tensor.
    static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
}

extension MergeMethod {
    public static var kind: MethodKind { .coefficients }
    public static var displayName: String { id.rawValue }
    public static var mergeIsModel: Bool { false }
    public static func validate(_ plan: MergePlan, models: Int, hasInit: Bool) throws {}
    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        throw MergeError.invalidCoefficients(reason: "\(id.rawValue) is not a per-tensor method")
    }
    public static func tensorStream(_ spec: TensorSpec, settings: TensorSettings) throws
        -> any TensorStream
    {
        throw MergeError.invalidCoefficients(reason: "\(id.rawValue) is not a per-tensor method")
    }

    /// Weights must be ≥ 0 with a positive sum (slerp and lerp).
    static func requireNonNegativeWeights(_ w: [Double], firstPositive: Bool) throws {
        if w.contains(where: { $0 < 0 }) {
            throw MergeError.invalidCoefficients(reason: "\(id.rawValue) weights must be ≥ 0")
        }
        if w.reduce(0, +) <= 0 || (firstPositive && w[0] <= 0) {
            throw MergeError.invalidCoefficients(
                reason: "\(id.rawValue) weights must have a positive sum and first weight")
        }
    }
}

/// The registry: every merge method, explicitly (no registration by side effect).
public enum MergeMethods {
    public static let all: [any MergeMethod.Type] = [
        Slerp.self, Lerp.self, TaskArithmetic.self, Liti.self,
        LinearMerge.self,
        TaskArithmeticMerge.self,
        TiesMerge.self,
        DareTiesMerge.self,
        DareLinearMerge.self,
        BreadcrumbsMerge.self,
        BreadcrumbsTiesMerge.self,
        DellaMerge.self,
        DellaLinearMerge.self,
        ModelStockMerge.self,
        FullSlerpMerge.self,
        NuSlerpMerge.self,
        MultiSlerpMerge.self,
        KarcherMerge.self,
    ]

    /// The method named `id`.
    /// - Throws: `MergeError.unknownMethod`.
    public static func method(_ id: MethodID) throws -> any MergeMethod.Type {
        guard let m = all.first(where: { $0.id == id }) else {
            throw MergeError.unknownMethod(name: id.rawValue)
        }
        return m
    }
}
