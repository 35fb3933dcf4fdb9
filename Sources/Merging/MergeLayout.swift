import SafeTensors

/// The checked shape of a merge: which tensors are merged in which groups, which are copied,
/// and the output tensors in the order the engine writes them. Built from headers only.
public struct MergeLayout: Sendable {
    /// One unit of work, in output order.
    public enum Item: Sendable {
        /// Float tensors sharing one set of coefficients.
        case group(TensorGroup)
        /// A tensor copied unchanged (integer, bool, or a float type that is only copied).
        case copy(TensorInfo)
    }

    public var items: [Item]
    /// The tensors of every output, in write order, with their output dtypes.
    public var outputTensors: [TensorInfo]

    /// The merge groups, in order.
    public var groups: [TensorGroup] {
        items.compactMap { if case let .group(g) = $0 { g } else { nil } }
    }

    /// Names of the copied tensors, in order.
    public var copied: [String] {
        items.compactMap { if case let .copy(t) = $0 { t.name } else { nil } }
    }

    /// Checks the family (`FamilyCheck`: same names and shapes, floats in all inputs or in
    /// none), then groups the float tensors of the reference store (`stores[0]`) at
    /// `granularity`; the other tensors are copied, so their dtypes must agree too.
    ///
    /// - Parameters:
    ///   - stores: init first if there is one, then the models.
    ///   - outputDType: output dtype of merged tensors; `nil` keeps the reference's.
    /// - Throws: `MergeError.missingTensor`, `.shapeMismatch`, `.dtypeMismatch` (from
    ///   `FamilyCheck`); `.unequalTensor` for a copied tensor whose dtypes differ.
    /// - Complexity: O(inputs × tensors) with hashing; no tensor data is read.
    public init(stores: [any TensorStore], granularity: Granularity, outputDType: DType?) throws {
        let family = try FamilyCheck(stores: stores)
        var mergeable = Set<ExactName>()
        for entry in family.entries {
            let t = entry.info
            if entry.isFloat {
                mergeable.insert(ExactName(t.name))
            } else if entry.inputs.contains(where: { $0.dtype != t.dtype }) {
                throw MergeError.unequalTensor(
                    tensor: t.name, files: stores.map { $0.file(of: t.name) },
                    dtypes: entry.inputs.map(\.dtype))
            }
        }
        let reference = stores[0]
        var items: [Item] = []
        var outputs: [TensorInfo] = []
        for group in Grouping.groups(reference.tensors, by: granularity) {
            var merged = group
            merged.tensors = []
            for t in group.tensors {
                if mergeable.contains(ExactName(t.name)) {
                    merged.tensors.append(t)
                } else {
                    items.append(.copy(t))
                    outputs.append(t)
                }
            }
            if !merged.tensors.isEmpty {
                items.append(.group(merged))
                for t in merged.tensors {
                    outputs.append(
                        TensorInfo(name: t.name, dtype: outputDType ?? t.dtype, shape: t.shape))
                }
            }
        }
        self.items = items
        outputTensors = outputs
    }

    /// One line per group: name, tensor count, elements; then the copied tensors.
    public func describe() -> String {
        var lines: [String] = []
        for item in items {
            switch item {
            case let .group(g):
                let elements = g.tensors.reduce(0) { $0 + $1.elementCount }
                lines.append("group \(g.name): \(g.tensors.count) tensors, \(elements) elements")
            case let .copy(t):
                lines.append("copy  \(t.name) (\(t.dtype.rawValue) \(t.shape))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
