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

    /// Checks that all stores hold the same tensor names and shapes, then groups the float
    /// tensors of the reference store (`stores[0]`) at `granularity`.
    ///
    /// - Parameters:
    ///   - stores: init first if there is one, then the models.
    ///   - outputDType: output dtype of merged tensors; `nil` keeps the reference's.
    /// - Throws: `MergeError.missingTensor`, `.shapeMismatch`, `.unequalTensor` (a tensor that is
    ///   a mergeable float in one input but not in another).
    /// - Complexity: O(inputs × tensors) with hashing; no tensor data is read.
    public init(stores: [any TensorStore], granularity: Granularity, outputDType: DType?) throws {
        precondition(!stores.isEmpty, "a merge needs inputs")
        let reference = stores[0]
        let names = Set(reference.tensors.map { ExactName($0.name) })
        for store in stores.dropFirst() {
            for t in store.tensors where !names.contains(ExactName(t.name)) {
                throw MergeError.missingTensor(
                    tensor: t.name, missingIn: reference.label, presentIn: store.label)
            }
            let own = Set(store.tensors.map { ExactName($0.name) })
            for t in reference.tensors where !own.contains(ExactName(t.name)) {
                throw MergeError.missingTensor(
                    tensor: t.name, missingIn: store.label, presentIn: reference.label)
            }
        }
        var mergeable = Set<ExactName>()
        for t in reference.tensors {
            let infos = stores.map { $0.info(t.name)! }
            if infos.contains(where: { $0.shape != t.shape }) {
                throw MergeError.shapeMismatch(
                    tensor: t.name, files: stores.map(\.label), shapes: infos.map(\.shape))
            }
            let floats = infos.map { $0.dtype.isConvertibleFloat && $0.dtype.byteSize != nil }
            if floats.allSatisfy({ $0 }) {
                mergeable.insert(ExactName(t.name))
            } else if floats.contains(true) || infos.contains(where: { $0.dtype != t.dtype }) {
                throw MergeError.unequalTensor(
                    tensor: t.name, files: stores.map(\.label), dtypes: infos.map(\.dtype))
            }
        }
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
