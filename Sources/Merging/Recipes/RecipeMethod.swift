/// The `merge_method` names a recipe may use: mergekit's methods with its meaning, and WARP's
/// own steps. Each knows the parameters it takes and their defaults.
public enum RecipeMethod: String, CaseIterable, Sendable {
    case linear
    case taskArithmetic = "task_arithmetic"
    case ties
    case dareTies = "dare_ties"
    case dareLinear = "dare_linear"
    case breadcrumbs
    case breadcrumbsTies = "breadcrumbs_ties"
    case della
    case dellaLinear = "della_linear"
    case modelStock = "model_stock"
    /// Full-weight SLERP between `base_model` (t = 0) and one other model (mergekit's `slerp`).
    case slerp
    case nuslerp
    case multislerp
    case karcher
    /// WARP: SLERP of task vectors δ_m = θ_m − θ_init (base_model is the init), per layer by
    /// default; slerpm over M > 2 models with per-model `weight`; optional LITI front `eta`.
    case warpSlerp = "warp_slerp"
    /// WARP: LITI `(1 − η)·θ_init + η·θ_merged` of one merged model; `eta` a number or a list
    /// (one output per η, the front).
    case liti
    /// WARP: LITI with every η > 1 (extrapolation beyond the merged model).
    case extrapolate

    /// What a parameter holds.
    public enum Kind: Sendable, Equatable {
        /// A number, a gradient or a filter list of them.
        case number
        case bool
        case string
        /// A plain non-negative integer (no gradient, no filters).
        case count
        /// A number or a plain list of numbers taken as a set of outputs (LITI's front); no
        /// gradient, no filters.
        case front
    }

    /// One parameter a method takes.
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var kind: Kind
        /// `nil` with `required` false: the method's own default (e.g. uniform weights).
        public var defaultValue: RecipeScalar?
        public var required: Bool

        init(
            _ name: String, _ kind: Kind, _ defaultValue: RecipeScalar? = nil,
            required: Bool = false
        ) {
            self.name = name
            self.kind = kind
            self.defaultValue = defaultValue
            self.required = required
        }
    }

    /// Parameters of each model (also allowed in the global `parameters` as a default for all
    /// models).
    public var modelParameters: [Parameter] {
        let weight = Parameter("weight", .number, required: true)
        let density = Parameter("density", .number, .number(1))
        switch self {
        case .linear, .taskArithmetic, .nuslerp, .multislerp: return [weight]
        case .ties, .dareTies, .dareLinear: return [weight, density]
        case .breadcrumbs, .breadcrumbsTies:
            return [weight, density, Parameter("gamma", .number, .number(0.01))]
        case .della, .dellaLinear:
            return [
                weight, density, Parameter("epsilon", .number, .number(0.15)),
                Parameter("lambda", .number, .number(1)),
            ]
        case .warpSlerp: return [Parameter("weight", .number)]
        case .modelStock, .slerp, .karcher, .liti, .extrapolate: return []
        }
    }

    /// Parameters only the global `parameters` may hold.
    public var globalParameters: [Parameter] {
        let int8 = Parameter("int8_mask", .bool, .bool(false))
        let lambda = Parameter("lambda", .number, .number(1))
        func normalize(_ d: Bool) -> Parameter { Parameter("normalize", .bool, .bool(d)) }
        func rescale(_ d: Bool) -> Parameter { Parameter("rescale", .bool, .bool(d)) }
        let eta = Parameter("eta", .front, .number(1))
        let negative = Parameter("allow_negative_eta", .bool, .bool(false))
        switch self {
        case .linear: return [normalize(true), int8]
        case .taskArithmetic: return [lambda, normalize(false), int8]
        case .ties: return [lambda, normalize(true), int8]
        case .dareTies, .dareLinear: return [lambda, normalize(false), rescale(true), int8]
        case .breadcrumbs, .breadcrumbsTies: return [lambda, normalize(false), int8]
        case .della: return [normalize(true), rescale(true), int8]
        case .dellaLinear: return [normalize(false), rescale(true), int8]
        case .modelStock: return [Parameter("filter_wise", .bool, .bool(false))]
        case .slerp: return [Parameter("t", .number, required: true)]
        case .nuslerp:
            return [
                Parameter("nuslerp_flatten", .bool, .bool(true)),
                Parameter("nuslerp_row_wise", .bool, .bool(false)),
            ]
        case .multislerp:
            return [
                Parameter("normalize_weights", .bool, .bool(true)),
                Parameter("eps", .number, .number(1e-8)),
            ]
        case .karcher:
            return [
                Parameter("max_iter", .count, .number(10)),
                Parameter("tol", .number, .number(1e-5)),
            ]
        case .warpSlerp:
            return [
                Parameter("lambda", .number), Parameter("granularity", .string, .string("layer")),
                eta, negative,
            ]
        case .liti, .extrapolate:
            return [Parameter("eta", .front, required: true), negative]
        }
    }

    /// Whether `base_model` must be given.
    public var needsBase: Bool {
        switch self {
        case .linear, .nuslerp, .multislerp, .karcher: false
        default: true
        }
    }

    /// Whether the base model (when given) is left out of the merged models. `linear` and
    /// `karcher` merge every listed model, the base included.
    public var excludesBase: Bool { self != .linear && self != .karcher }

    /// Allowed number of merged models (those besides the base when `excludesBase`).
    public var modelCount: ClosedRange<Int> {
        switch self {
        case .slerp, .liti, .extrapolate: 1...1
        case .nuslerp: 2...2
        case .modelStock, .warpSlerp: 2...Int.max
        case .multislerp, .karcher: 2...Int.max
        default: 1...Int.max
        }
    }

    /// Whether the method draws random numbers (the recipe's `seed` applies).
    public var usesSeed: Bool { [.dareTies, .dareLinear, .della, .dellaLinear].contains(self) }

    /// Notes about accepted parameters this tool does not act on.
    static let ignoredNotes: [String: String] = [
        "int8_mask": "int8_mask is ignored: masks are exact booleans and sums are in float64"
    ]
}
