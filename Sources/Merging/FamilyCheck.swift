import SafeTensors

/// The one validation of a family of checkpoints (an init and the models fine-tuned from it)
/// that merges and angle analyses share: every input holds the same tensor names with the
/// same shapes, and a tensor is a mergeable float (a dtype `FloatConversion` reads) in every
/// input or in none.
///
/// The result lists the reference's tensors in storage order, each marked float or not, with
/// every input's own info (dtypes may differ across inputs: bf16 and f32 merge fine). A merge
/// groups the floats and copies the rest; `angles` compares the floats that hold elements and
/// skips the rest. Files in errors are the shard holding the tensor (`store.file(of:)`).
public struct FamilyCheck: Sendable {
    /// One tensor of the family.
    public struct Entry: Sendable {
        /// The reference input's info (`stores[0]`: the init when there is one).
        public var info: TensorInfo
        /// The tensor as stored in each input, in input order.
        public var inputs: [TensorInfo]
        /// Whether the tensor is a mergeable float in every input.
        public var isFloat: Bool
    }

    /// Every tensor of the reference input, in its storage order.
    public var entries: [Entry]

    /// The float entries, in storage order.
    public var floats: [Entry] { entries.filter(\.isFloat) }

    /// Checks `stores` (the reference first).
    /// - Throws: `MergeError.missingTensor` naming the tensor and both files when a name is in
    ///   one input and not another; `.shapeMismatch` when shapes differ; `.dtypeMismatch` when
    ///   a tensor is a mergeable float in some inputs only.
    /// - Complexity: O(inputs × tensors) with hashing by exact name bytes; headers only.
    public init(stores: [any TensorStore]) throws {
        precondition(!stores.isEmpty, "a family needs inputs")
        let reference = stores[0]
        var tables: [[ExactName: TensorInfo]] = []
        for store in stores {
            var table: [ExactName: TensorInfo] = [:]
            for t in store.tensors { table[ExactName(t.name)] = t }
            tables.append(table)
        }
        // Names present elsewhere but missing from the reference.
        for (s, store) in stores.enumerated().dropFirst() {
            for t in store.tensors where tables[0][ExactName(t.name)] == nil {
                throw MergeError.missingTensor(
                    tensor: t.name, missingIn: reference.label,
                    presentIn: stores[s].file(of: t.name))
            }
        }
        entries = []
        entries.reserveCapacity(reference.tensors.count)
        for t in reference.tensors {
            let key = ExactName(t.name)
            var infos: [TensorInfo] = []
            for (s, table) in tables.enumerated() {
                guard let info = table[key] else {
                    throw MergeError.missingTensor(
                        tensor: t.name, missingIn: stores[s].label,
                        presentIn: reference.file(of: t.name))
                }
                infos.append(info)
            }
            if infos.contains(where: { $0.shape != t.shape }) {
                throw MergeError.shapeMismatch(
                    tensor: t.name, files: stores.map { $0.file(of: t.name) },
                    shapes: infos.map(\.shape))
            }
            let floats = infos.map(Self.isMergeableFloat)
            if floats.contains(true), floats.contains(false) {
                throw MergeError.dtypeMismatch(
                    tensor: t.name, files: stores.map { $0.file(of: t.name) },
                    dtypes: infos.map(\.dtype))
            }
            entries.append(Entry(info: t, inputs: infos, isFloat: floats[0]))
        }
    }

    /// Whether the merge kernels read `info`'s dtype (bf16, f16, f32, f64, fp8).
    public static func isMergeableFloat(_ info: TensorInfo) -> Bool {
        info.dtype.isConvertibleFloat && info.dtype.byteSize != nil
    }
}
