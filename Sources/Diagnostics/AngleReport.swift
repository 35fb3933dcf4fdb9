import Merging
import SafeTensors

/// Angles and norms of one group of tensors (a block, a tensor, or the whole model).
public struct GroupAngles: Sendable, Equatable {
    /// The group's name: `model.layers.3` for a block, the tensor name, or `model`.
    public var name: String
    /// The group's tensors, in storage order.
    public var tensors: [String]
    /// The transformer block index, when the group is or sits in a numbered block.
    public var blockIndex: Int?
    /// Elements per model in the group.
    public var elementCount: Int
    /// Task vectors δ_m = θ_m − θ_init (nil without an init).
    public var taskVectors: GramStats?
    /// Full weights θ_m.
    public var weights: GramStats
    /// Human-readable warnings (zero task vector, norms apart by > 2×, outlying Ω).
    public var warnings: [String]

    public init(
        name: String, tensors: [String], blockIndex: Int?, elementCount: Int,
        taskVectors: GramStats?, weights: GramStats, warnings: [String] = []
    ) {
        self.name = name
        self.tensors = tensors
        self.blockIndex = blockIndex
        self.elementCount = elementCount
        self.taskVectors = taskVectors
        self.weights = weights
        self.warnings = warnings
    }
}

/// The result of an angle analysis of M ≥ 2 models (and optionally their init): per group,
/// cos Ω and Ω between task vectors, cos ω and ω between full weights, norms and norm ratios.
///
/// - SeeAlso: WARP paper, appendix C.2, Figure 11; Assumption 1 (task vectors of equal norm).
public struct AngleReport: Sendable, Equatable {
    /// The init's label (path), or nil when only full weights were compared.
    public var initLabel: String?
    /// The models' labels (paths), in input order.
    public var models: [String]
    public var granularity: Granularity
    public var groups: [GroupAngles]
    /// Tensors not compared: integers, booleans, non-convertible floats, empty tensors.
    public var skipped: [String]

    public init(
        initLabel: String?, models: [String], granularity: Granularity, groups: [GroupAngles],
        skipped: [String] = []
    ) {
        self.initLabel = initLabel
        self.models = models
        self.granularity = granularity
        self.groups = groups
        self.skipped = skipped
    }

    /// Model pairs `(i, j)`, `i < j`.
    public var pairs: [(Int, Int)] { GramStats.pairs(models.count) }

    /// All warnings, each prefixed with its group's name.
    public var allWarnings: [String] {
        groups.flatMap { g in g.warnings.map { "\(g.name): \($0)" } }
    }

    /// One of the four quantities of Figure 11, for every group and pair.
    public enum Quantity: String, CaseIterable, Sendable {
        case taskCosine = "task-vector cosine"
        case weightCosine = "full-weight cosine"
        case taskNormRatio = "task-vector norm ratio"
        case weightNormRatio = "full-weight norm ratio"

        /// The figure's panel label.
        public var title: String {
            switch self {
            case .taskCosine: "(a) task vectors: cos Ω"
            case .weightCosine: "(b) full weights: cos ω"
            case .taskNormRatio: "(c) task vectors: ‖δi‖ / ‖δj‖"
            case .weightNormRatio: "(d) full weights: ‖θi‖ / ‖θj‖"
            }
        }

        public var needsInit: Bool { self == .taskCosine || self == .taskNormRatio }
    }

    /// Values of `quantity` over groups × pairs (groups outer), skipping undefined ones
    /// (zero vectors) and, without an init, task-vector quantities entirely.
    public func values(_ quantity: Quantity) -> [Double] {
        var out: [Double] = []
        for g in groups {
            for (i, j) in pairs {
                let v: Double?
                switch quantity {
                case .taskCosine: v = g.taskVectors?.cos(i, j)
                case .weightCosine: v = g.weights.cos(i, j)
                case .taskNormRatio: v = g.taskVectors?.normRatio(i, j)
                case .weightNormRatio: v = g.weights.normRatio(i, j)
                }
                if let v { out.append(v) }
            }
        }
        return out
    }

    /// Short names for the models in tables: `m1`, `m2`, ….
    public static func shortName(_ i: Int) -> String { "m\(i + 1)" }
}
