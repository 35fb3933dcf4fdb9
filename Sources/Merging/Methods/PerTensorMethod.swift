/// A merge method that runs one tensor at a time (`MethodKind.perTensor`): mergekit's
/// methods, whose rules need whole-tensor statistics (top-k thresholds, norms, seeded drops
/// keyed by element index) and parameters resolved per tensor from a `Recipe`. Each is a
/// `TensorStream`: statistics passes over chunks, then a write pass. Each conforming type is
/// one file calling its `Elementwise` function; what it takes (models, base) comes from its
/// `RecipeMethod`.
public protocol PerTensorMethod: MergeMethod {
    /// The recipe's `merge_method` this type implements.
    static var recipeMethod: RecipeMethod { get }
}

extension PerTensorMethod {
    public static var kind: MethodKind { .perTensor }
    public static var displayName: String { recipeMethod.rawValue }
    public static var modelCount: ClosedRange<Int> { recipeMethod.modelCount }
    public static var needsInit: Bool { recipeMethod.needsBase }
    public static var needsStatistics: Bool { false }

    /// Unused by the per-tensor loop; no coefficients.
    public static func coefficients(plan: MergePlan, gram: [[Double]]) -> GroupCoefficients {
        GroupCoefficients(c: [])
    }

    /// The tensor in memory through the method's stream (the same chunks and sums as the
    /// engine, so the same bits).
    public static func mergeTensor(_ input: TensorMergeInput, settings: TensorSettings) throws
        -> [Double]
    {
        try tensorStream(input.spec, settings: settings).run(input)
    }

    /// Per-tensor methods read their parameters from the plan's recipe.
    public static func validate(_ plan: MergePlan, models: Int, hasInit: Bool) throws {
        guard let r = plan.recipe, r.method == recipeMethod else {
            throw MergeError.invalidCoefficients(
                reason: "\(id.rawValue) needs a recipe with merge_method \(recipeMethod.rawValue)")
        }
    }
}

extension RecipeMethod {
    /// The engine's method for this `merge_method`: the per-tensor method of the same name
    /// (`slerp` is `full_slerp`, to keep it apart from WARP's SLERP of task vectors), and for
    /// WARP's steps the engine's `slerp` and `liti`.
    public var methodID: MethodID {
        switch self {
        case .slerp: .fullSlerp
        case .warpSlerp: .slerp
        case .liti, .extrapolate: .liti
        default: MethodID(rawValue: rawValue)
        }
    }
}
