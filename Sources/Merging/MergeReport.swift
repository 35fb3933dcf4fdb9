import Foundation

/// What a merge did, per group: the geometry (norms, angles), the coefficients used and the
/// fallbacks taken. Printed by `--json`.
public struct MergeReport: Sendable, Codable, Equatable {
    public struct Group: Sendable, Codable, Equatable {
        /// The group name (`model.layers.3`, a tensor name, or `model`).
        public var name: String
        public var tensors: Int
        public var elements: Int
        /// ‖δ_m‖ for each model (‖θ_m‖ without init).
        public var norms: [Double]
        /// cos of the angle between δ₁ and δ₂ (the paper's Figure 11 quantity), `nil` for M < 2
        /// or a zero task vector.
        public var cosine12: Double?
        /// Final coefficients `c` of `θ_init + Σ c_m δ_m`.
        public var coefficients: [Double]
        /// The SLERP recursion steps (empty for other methods).
        public var steps: [SlerpStep]
        /// ‖Σ c_m δ_m‖, the merged task vector's norm (before LITI).
        public var mergedNorm: Double
    }

    public var method: MethodID
    public var granularity: Granularity
    public var etas: [Double]
    public var groups: [Group]
    /// Tensors copied unchanged (integer/bool/unmergeable types, equal across inputs).
    public var copiedTensors: [String]
    /// One line each, e.g. antiparallel task vectors in a group.
    public var warnings: [String]
    public var bytesRead: Int
    public var bytesWritten: Int

    public init(method: MethodID, granularity: Granularity, etas: [Double]) {
        self.method = method
        self.granularity = granularity
        self.etas = etas
        groups = []
        copiedTensors = []
        warnings = []
        bytesRead = 0
        bytesWritten = 0
    }

    /// Number of SLERP steps that fell back to LERP, by reason.
    public var fallbackCounts: [SlerpFallback: Int] {
        var counts: [SlerpFallback: Int] = [:]
        for g in groups {
            for s in g.steps { if let f = s.fallback { counts[f, default: 0] += 1 } }
        }
        return counts
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension MergeReport.Group {
    /// Builds the report entry from the group's geometry (its Gram matrix: the same
    /// `GramStats` that gives SLERP its Ω and `angles` its cosines) and the coefficients.
    init(
        name: String, tensors: Int, elements: Int, geometry: GramStats, c: [Double],
        steps: [SlerpStep]
    ) {
        self.name = name
        self.tensors = tensors
        self.elements = elements
        norms = geometry.norms
        cosine12 = geometry.count >= 2 ? geometry.cos(0, 1) : nil
        coefficients = c
        self.steps = steps
        mergedNorm = geometry.norm(of: c)
    }
}
