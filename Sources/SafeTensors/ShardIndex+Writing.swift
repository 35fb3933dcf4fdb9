extension ShardIndex {
    /// The text of `model.safetensors.index.json` for `shards` (file name, its tensors):
    /// `metadata.total_size` is the sum of the tensors' data bytes and `weight_map` maps every
    /// tensor to its file, names sorted by their UTF-8 bytes, so equal inputs give equal bytes.
    static func json(shards: [(file: String, tensors: [TensorInfo])]) -> [UInt8] {
        var entries: [(name: String, file: String)] = []
        var total = 0
        for shard in shards {
            for t in shard.tensors {
                entries.append((t.name, shard.file))
                total += t.byteCount
            }
        }
        entries.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        var s = "{\n  \"metadata\": {\n    \"total_size\": \(total)\n  },\n  \"weight_map\": {\n"
        s += entries.map { "    \(JSONText.quoted($0.name)): \(JSONText.quoted($0.file))" }
            .joined(separator: ",\n")
        s += "\n  }\n}\n"
        return Array(s.utf8)
    }
}
