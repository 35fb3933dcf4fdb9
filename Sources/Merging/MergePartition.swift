import SafeTensors

/// One share of a merge split across processes or nodes: part `index` of `count` (1-based,
/// as Slurm array task ids usually are: `--array=1-N` and `--part $SLURM_ARRAY_TASK_ID/N`).
public struct MergePart: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, e.g. `3/7`; `nil` for anything else (range checks are `validate`'s).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// - Throws: `MergeError.invalidPart` unless `1 ≤ index ≤ count`.
    public func validate() throws {
        if count < 1 || index < 1 || index > count {
            throw MergeError.invalidPart(index: index, count: count)
        }
    }
}

/// The deterministic split of a `MergeLayout` into `count` parts: every item (a whole group,
/// so per-group angles and coefficients are those of the unsplit merge, or a copied tensor)
/// belongs to exactly one part, and the parts are contiguous runs of items in layout order.
///
/// Rule (balances input bytes, computed from headers alone, so every node finds the same
/// assignment): with `b_k` the input bytes of item k (its tensors' bytes summed over every
/// input), `P_k = Σ_{j<k} b_j` and `T = Σ b_j`, item k goes to part
///
///     p(k) = min(count − 1, ⌊(2·P_k + b_k) · count / (2·T)⌋)      (0-based)
///
/// i.e. the part whose byte range [p·T/count, (p+1)·T/count) holds the item's midpoint. A part
/// may be empty when there are fewer items than parts, or one item outweighs a share.
/// Each part's bytes are within one item's bytes of `T/count`.
/// - Complexity: O(items × inputs); no tensor data is read.
public struct MergePartition: Sendable {
    public let count: Int
    /// Part (0-based) of each item of the layout, in layout order; non-decreasing.
    public let assignment: [Int]
    /// Input bytes of each item.
    public let itemBytes: [Int]
    /// The layout that was split.
    public let layout: MergeLayout

    /// - Parameters:
    ///   - stores: the inputs (init first if any, then the models), for the byte counts.
    /// - Precondition: `count ≥ 1` (check with `MergePart.validate`).
    public init(layout: MergeLayout, stores: [any TensorStore], count: Int) {
        precondition(count >= 1, "a partition needs at least one part")
        self.count = count
        self.layout = layout
        let bytesOf = { (t: TensorInfo) in
            stores.reduce(0) { $0 + ($1.info(t.name)?.byteCount ?? 0) }
        }
        itemBytes = layout.items.map { item in
            switch item {
            case let .group(g): g.tensors.reduce(0) { $0 + bytesOf($1) }
            case let .copy(t): bytesOf(t)
            }
        }
        let total = itemBytes.reduce(0, +)
        var before = 0
        var parts: [Int] = []
        for (k, b) in itemBytes.enumerated() {
            let p =
                total > 0
                ? (2 * before + b).multipliedFullWidth(by: count)
                : (k * 2 + 1).multipliedFullWidth(by: count)
            let denominator = total > 0 ? 2 * total : 2 * itemBytes.count
            let (q, _) = denominator.dividingFullWidth(p)
            parts.append(min(count - 1, q))
            before += b
        }
        assignment = parts
    }

    /// The layout of part `part` (1-based): its items in layout order and their output tensors.
    public func layout(of part: Int) -> MergeLayout {
        var names = Set<ExactName>()
        var items: [MergeLayout.Item] = []
        for (item, p) in zip(layout.items, assignment) where p == part - 1 {
            items.append(item)
            switch item {
            case let .group(g): for t in g.tensors { names.insert(ExactName(t.name)) }
            case let .copy(t): names.insert(ExactName(t.name))
            }
        }
        var restricted = layout
        restricted.items = items
        restricted.outputTensors = layout.outputTensors.filter {
            names.contains(ExactName($0.name))
        }
        return restricted
    }

    /// The output tensors of every part, part 1 first (each in layout order).
    public func outputTensorsByPart() -> [[TensorInfo]] {
        (1...count).map { layout(of: $0).outputTensors }
    }

    /// Input bytes of part `part` (1-based).
    public func bytes(of part: Int) -> Int {
        zip(itemBytes, assignment).reduce(0) { $0 + ($1.1 == part - 1 ? $1.0 : 0) }
    }
}
