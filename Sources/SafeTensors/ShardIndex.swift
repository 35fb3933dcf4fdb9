/// The parsed `model.safetensors.index.json` of a sharded checkpoint.
///
/// Strict JSON (duplicate keys are errors, so a tensor cannot be listed twice); `weight_map`
/// must be an object of strings naming plain shard files beside the index (no `/`, not `.`
/// or `..`); `metadata.total_size`, if present, a non-negative integer (`123` or `123.0`).
struct ShardIndex {
    var weightMap: [(name: String, shard: String)]
    var totalSize: Int?

    init(path: String) throws {
        let file = try MappedFile(path: path)
        try self.init(json: file.bytes, path: path)
    }

    init(json raw: UnsafeRawBufferPointer, path: String) throws {
        let bytes = raw.bindMemory(to: UInt8.self)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw SafeTensorsError.invalidIndex(file: path, reason: "not valid utf-8")
        }
        let root: JSONValue
        do {
            root = try StrictJSONParser.parse(bytes)
        } catch {
            if let key = error.duplicateKey {
                throw SafeTensorsError.invalidIndex(file: path, reason: "'\(key)' is listed twice")
            }
            throw SafeTensorsError.invalidIndex(
                file: path, reason: "not valid json at byte \(error.offset): \(error.reason)")
        }
        guard case let .object(members) = root else {
            throw SafeTensorsError.invalidIndex(file: path, reason: "not a json object")
        }
        guard let wm = members.first(where: { $0.key.bytesEqual("weight_map") })?.value,
            case let .object(entries) = wm
        else {
            throw SafeTensorsError.invalidIndex(file: path, reason: "no 'weight_map' object")
        }
        weightMap = try entries.map { name, value in
            guard case let .string(shard) = value else {
                throw SafeTensorsError.invalidIndex(
                    file: path, reason: "shard of '\(name)' is not a string")
            }
            if shard.isEmpty || shard.contains("/") || shard == "." || shard == ".." {
                throw SafeTensorsError.invalidIndex(
                    file: path, reason: "shard '\(shard)' of '\(name)' is not a file name")
            }
            return (name, shard)
        }
        totalSize = nil
        if let meta = members.first(where: { $0.key.bytesEqual("metadata") })?.value,
            case let .object(fields) = meta,
            let ts = fields.first(where: { $0.key.bytesEqual("total_size") })?.value
        {
            guard case let .number(text) = ts, let value = ShardIndex.integer(text) else {
                throw SafeTensorsError.invalidIndex(
                    file: path, reason: "metadata.total_size is not a non-negative integer")
            }
            totalSize = value
        }
    }

    /// `123` or `123.0` (some writers emit floats) as an exact integer.
    static func integer(_ text: String) -> Int? {
        var digits = Substring(text)
        if let dot = text.firstIndex(of: ".") {
            guard text[text.index(after: dot)...].allSatisfy({ $0 == "0" }) else { return nil }
            digits = text[..<dot]
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}
