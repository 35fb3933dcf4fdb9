/// One parameter value as a recipe writes it, before it is resolved for a tensor.
///
/// mergekit's forms: a scalar; a list of numbers, a *gradient* spread over the layers; or a
/// list of `{filter: S, value: V}` entries (the first whose `S` is a substring of the tensor
/// name wins; an entry without `filter`, or with `filter: "*"`, matches every tensor).
public indirect enum RecipeSetting: Sendable, Equatable {
    case number(Double)
    case bool(Bool)
    case string(String)
    /// N ≥ 1 anchor values spread evenly over the layers, linear in between.
    case gradient([Double])
    case filtered([FilteredSetting])

    /// A value with an optional tensor-name filter.
    public struct FilteredSetting: Sendable, Equatable {
        public var filter: String?
        public var value: RecipeSetting

        public init(filter: String?, value: RecipeSetting) {
            self.filter = filter
            self.value = value
        }
    }

    /// The value for one tensor, `nil` when no filter entry matches.
    ///
    /// Gradient: with anchors a₀…a_{N−1} and the tensor's position t ∈ [0, 1]
    /// (`LayerPosition.t`), s = t·(N − 1), i = ⌊s⌋, value = (1 − (s − i))·a_i + (s − i)·a_{i+1}
    /// (a_{N−1} at t = 1): the anchors sit at evenly spaced layers, the first on layer 0 and the
    /// last on the last layer.
    public func resolve(tensor: String, position: LayerPosition) -> RecipeScalar? {
        switch self {
        case let .number(x): return .number(x)
        case let .bool(b): return .bool(b)
        case let .string(s): return .string(s)
        case let .gradient(anchors): return .number(Self.interpolate(anchors, at: position.t))
        case let .filtered(entries):
            for e in entries {
                guard let f = e.filter, f != "*" else {
                    return e.value.resolve(tensor: tensor, position: position)
                }
                if tensor.contains(f) { return e.value.resolve(tensor: tensor, position: position) }
            }
            return nil
        }
    }

    /// Linear interpolation of evenly spaced anchors at t ∈ [0, 1] (clamped).
    public static func interpolate(_ anchors: [Double], at t: Double) -> Double {
        precondition(!anchors.isEmpty)
        let s = min(1, max(0, t)) * Double(anchors.count - 1)
        let i = min(anchors.count - 1, Int(s.rounded(.down)))
        let j = min(anchors.count - 1, i + 1)
        let f = s - Double(i)
        return (1 - f) * anchors[i] + f * anchors[j]
    }
}

/// A resolved parameter value.
public enum RecipeScalar: Sendable, Equatable {
    case number(Double)
    case bool(Bool)
    case string(String)
}

/// Where a tensor sits among the layers, which sets `t` for gradients.
public enum LayerPosition: Sendable, Equatable {
    /// Block `index` of `count` numbered blocks (`Grouping.block(of:)`).
    case block(index: Int, count: Int)
    /// Embeddings and anything before the first block: t = 0.
    case beforeBlocks
    /// Final norm, head and anything after the last block: t = 1.
    case afterBlocks

    /// The tensor's position from its name: numbered blocks by `Grouping.block(of:)`; other
    /// tensors whose name contains `embed`, `wte` or `wpe` (token and position embeddings) are
    /// before the blocks, the rest (final norm, head, pooler) after.
    /// - Parameter layerCount: the number of blocks in the model.
    public init(tensor: String, layerCount: Int) {
        if let b = Grouping.block(of: tensor) {
            self = .block(index: b.index, count: max(layerCount, b.index + 1))
        } else if ["embed", "wte", "wpe"].contains(where: { tensor.contains($0) }) {
            self = .beforeBlocks
        } else {
            self = .afterBlocks
        }
    }

    /// t = index / (count − 1) for a block (1 when there is one block, as in mergekit), 0 before,
    /// 1 after.
    public var t: Double {
        switch self {
        case let .block(i, n): n > 1 ? Double(i) / Double(n - 1) : 1
        case .beforeBlocks: 0
        case .afterBlocks: 1
        }
    }
}
