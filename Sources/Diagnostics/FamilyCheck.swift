import SafeTensors

/// The tensors of a family of checkpoints that an angle analysis compares, after checking
/// that every input holds the same tensor names with the same shapes.
struct FamilyCheck {
    /// Float tensors (dtypes `FloatConversion` reads) in the reference input's storage order;
    /// the info is the reference's (dtypes may differ across inputs).
    var floats: [TensorInfo]
    /// `inputInfos[t][s]`: float tensor t as stored in input s (its own dtype).
    var inputInfos: [[TensorInfo]]
    /// Tensors skipped because they are integers, booleans or floats that cannot be
    /// converted (F8_E8M0, F4, F6) in every input, or because they hold no element.
    var skipped: [TensorInfo]

    /// Checks `stores` (the reference first: the init when there is one). Files in messages
    /// are the shard holding the tensor for sharded checkpoints.
    /// - Throws: `DiagnosticsError.missingTensor` naming the tensor and both files when a name
    ///   is in one input and not another; `.shapeMismatch` when shapes differ;
    ///   `.dtypeMismatch` when a tensor is a comparable float in some inputs only;
    ///   `.noFloatTensors` when nothing is left to compare.
    /// - Complexity: O(inputs × tensors) with hashing by exact name bytes.
    init(stores: [any TensorStore]) throws {
        precondition(!stores.isEmpty)
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
                throw DiagnosticsError.missingTensor(
                    tensor: t.name, missingIn: reference.label,
                    presentIn: stores[s].file(of: t.name))
            }
        }
        floats = []
        inputInfos = []
        skipped = []
        for t in reference.tensors {
            let key = ExactName(t.name)
            var infos: [TensorInfo] = []
            for (s, table) in tables.enumerated() {
                guard let info = table[key] else {
                    throw DiagnosticsError.missingTensor(
                        tensor: t.name, missingIn: stores[s].label,
                        presentIn: reference.file(of: t.name))
                }
                infos.append(info)
            }
            if infos.contains(where: { $0.shape != t.shape }) {
                throw DiagnosticsError.shapeMismatch(
                    tensor: t.name, files: stores.map { $0.file(of: t.name) },
                    shapes: infos.map(\.shape))
            }
            let comparable = infos.map { $0.dtype.isConvertibleFloat && $0.dtype.byteSize != nil }
            if t.elementCount == 0 {
                skipped.append(t)
            } else if comparable.allSatisfy({ $0 }) {
                floats.append(t)
                inputInfos.append(infos)
            } else if comparable.allSatisfy({ !$0 }) {
                skipped.append(t)
            } else {
                throw DiagnosticsError.dtypeMismatch(
                    tensor: t.name, files: stores.map { $0.file(of: t.name) },
                    dtypes: infos.map(\.dtype))
            }
        }
        if floats.isEmpty { throw DiagnosticsError.noFloatTensors(file: reference.label) }
    }
}
