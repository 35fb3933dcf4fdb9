/// Everything that can be wrong with a checkpoint or its I/O. Each case names the file and, where
/// there is one, the tensor, with the numbers involved; `description` is one lowercase line.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible, Sendable {
    // I/O
    case io(path: String, operation: String, errno: Int32, message: String)
    case notACheckpoint(path: String, reason: String)
    case outputIsInput(path: String)
    case outputExists(path: String)
    case outputHoldsOtherFiles(path: String, entry: String)
    case outputNotReplaceable(path: String, reason: String)
    // header framing
    case fileTooSmall(file: String, size: Int)
    case headerTooLarge(file: String, length: UInt64, limit: Int)
    case headerOutOfBounds(file: String, length: UInt64, fileSize: Int)
    case invalidUTF8(file: String)
    case invalidJSON(file: String, offset: Int, reason: String)
    case duplicateKey(file: String, key: String)
    case headerNotObject(file: String)
    // entries
    case invalidEntry(file: String, tensor: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case invalidShape(file: String, tensor: String, reason: String)
    case invalidOffsets(file: String, tensor: String, reason: String)
    case tensorBytes(file: String, tensor: String, begin: Int, end: Int, needed: Int)
    case overlap(file: String, tensor: String, other: String, at: Int)
    case hole(file: String, tensor: String, expected: Int, found: Int)
    case trailingBytes(file: String, count: Int)
    case dataTooShort(file: String, needed: Int, available: Int)
    case invalidMetadata(file: String, reason: String)
    // checkpoints
    case unknownTensor(name: String, file: String)
    case rangeOutOfBounds(tensor: String, file: String, begin: Int, end: Int, size: Int)
    case duplicateTensor(name: String, files: [String])
    case missingShard(index: String, shard: String)
    case indexMismatch(index: String, tensor: String, shard: String, reason: String)
    case invalidIndex(file: String, reason: String)
    // conversion and writing
    case notConvertible(tensor: String, dtype: DType)
    case writerMisuse(file: String, reason: String)
    case invalidSize(text: String)
    case zstd(file: String, message: String)
    // input kinds (reader)
    case notRegularFile(path: String, kind: String)
    case pickleCheckpoint(path: String)
    // partitioned outputs (PartCommit)
    case partsMissing(path: String, missing: [Int], count: Int)
    case partsInvalid(path: String, reason: String)

    /// The message, with control characters from names and paths escaped for the terminal
    /// (`DisplayText.escaped`): a tensor name cannot ring the bell or move the cursor.
    public var description: String { DisplayText.escaped(unescapedDescription) }

    /// The message as built from the raw names and paths.
    var unescapedDescription: String {
        switch self {
        case let .io(path, op, code, message):
            "\(path): \(op) failed: \(message) (errno \(code))"
        case let .notACheckpoint(path, reason): "\(path): not a checkpoint: \(reason)"
        case let .outputIsInput(path): "\(path): refusing to write over one of the inputs"
        case let .outputExists(path):
            "\(path): exists and is not a mergetool output; pass --force to replace it"
        case let .outputHoldsOtherFiles(path, entry):
            "\(path): refusing to replace it: it holds '\(entry)', which is not a checkpoint "
                + "file (not even with --force)"
        case let .outputNotReplaceable(path, reason): "\(path): cannot be the output: \(reason)"
        case let .fileTooSmall(file, size):
            "\(file): \(size) bytes is too small for a safetensors file (needs at least 8)"
        case let .headerTooLarge(file, length, limit):
            "\(file): header length \(length) exceeds the limit of \(limit) bytes"
        case let .headerOutOfBounds(file, length, size):
            "\(file): header length \(length) runs past the end of the \(size)-byte file"
        case let .invalidUTF8(file): "\(file): header is not valid utf-8"
        case let .invalidJSON(file, offset, reason):
            "\(file): header is not valid json at byte \(offset): \(reason)"
        case let .duplicateKey(file, key): "\(file): header has duplicate key '\(key)'"
        case let .headerNotObject(file): "\(file): header is not a json object"
        case let .invalidEntry(file, t, reason): "\(file): tensor '\(t)': \(reason)"
        case let .unknownDType(file, t, d): "\(file): tensor '\(t)' has unknown dtype '\(d)'"
        case let .invalidShape(file, t, reason):
            "\(file): tensor '\(t)' has invalid shape: \(reason)"
        case let .invalidOffsets(file, t, reason):
            "\(file): tensor '\(t)' has invalid data_offsets: \(reason)"
        case let .tensorBytes(file, t, b, e, n):
            "\(file): tensor '\(t)' spans \(b)..<\(e) (\(e - b) bytes) "
                + "but its shape needs \(n) bytes"
        case let .overlap(file, t, other, at):
            "\(file): tensor '\(t)' overlaps tensor '\(other)' at data byte \(at)"
        case let .hole(file, t, expected, found):
            "\(file): tensor '\(t)' starts at data byte \(found) "
                + "but the previous one ends at \(expected)"
        case let .trailingBytes(file, n): "\(file): \(n) bytes after the last tensor"
        case let .dataTooShort(file, needed, available):
            "\(file): tensors need \(needed) data bytes but the file holds \(available)"
        case let .invalidMetadata(file, reason): "\(file): invalid __metadata__: \(reason)"
        case let .unknownTensor(name, file): "\(file): no tensor named '\(name)'"
        case let .rangeOutOfBounds(t, file, b, e, size):
            "\(file): byte range \(b)..<\(e) is outside tensor '\(t)' (\(size) bytes)"
        case let .duplicateTensor(name, files):
            "tensor '\(name)' appears more than once (\(files.joined(separator: ", ")))"
        case let .missingShard(index, shard): "\(index): shard '\(shard)' is missing"
        case let .indexMismatch(index, t, shard, reason):
            "\(index): tensor '\(t)' in shard '\(shard)': \(reason)"
        case let .invalidIndex(file, reason): "\(file): invalid index: \(reason)"
        case let .notConvertible(t, dtype):
            "tensor '\(t)': dtype \(dtype.rawValue) cannot be converted"
        case let .writerMisuse(file, reason): "\(file): \(reason)"
        case let .invalidSize(text):
            "invalid size '\(text)': use a number with a unit, e.g. 500MB, 5GB, 4GiB"
        case let .zstd(file, message): "\(file): zstd: \(message)"
        case let .notRegularFile(path, kind): "\(path): is \(kind), not a regular file"
        case let .pickleCheckpoint(path):
            "\(path): this is a PyTorch pickle checkpoint, not safetensors (convert it with "
                + "transformers' save_pretrained(..., safe_serialization=True) or "
                + "safetensors.torch.save_file)"
        case let .partsMissing(path, missing, count):
            "\(path): part\(missing.count == 1 ? "" : "s") "
                + missing.map { "\($0)/\(count)" }.joined(separator: ", ")
                + " of the merge \(missing.count == 1 ? "has" : "have") not finished"
        case let .partsInvalid(path, reason): "\(path): \(reason)"
        }
    }
}
