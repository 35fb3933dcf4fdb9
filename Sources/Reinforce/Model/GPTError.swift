/// What can be wrong with a model, its checkpoint or a batch given to it. Each case names the
/// tensor and numbers; `description` is one lowercase line.
///
/// Kept apart from `ReinforceError` (the task side's file) for now; the two can be folded
/// into one module enum later.
public enum GPTError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidConfig(reason: String)
    case missingTensor(name: String, store: String)
    case unexpectedTensor(name: String, store: String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case notFloat(name: String, dtype: String)
    case sequenceTooLong(index: Int, length: Int, context: Int)
    case emptySequence(index: Int)
    case tokenOutOfRange(token: Int, vocabSize: Int)
    case batchTooLarge(batch: Int, capacity: Int)
    case invalidOption(name: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfig(reason): "invalid model config: \(reason)"
        case let .missingTensor(name, store): "\(store): missing tensor '\(name)'"
        case let .unexpectedTensor(name, store):
            "\(store): tensor '\(name)' is not a parameter of this model"
        case let .shapeMismatch(name, expected, found):
            "tensor '\(name)' has shape \(found), the model needs \(expected)"
        case let .notFloat(name, dtype):
            "tensor '\(name)' has dtype \(dtype), which does not convert to float"
        case let .sequenceTooLong(index, length, context):
            "sequence \(index) has \(length) tokens, more than the context of \(context)"
        case let .emptySequence(index): "sequence \(index) has no tokens"
        case let .tokenOutOfRange(token, vocabSize):
            "token id \(token) is outside the vocabulary of \(vocabSize)"
        case let .batchTooLarge(batch, capacity):
            "batch of \(batch) rows exceeds the workspace capacity of \(capacity)"
        case let .invalidOption(name, reason): "invalid \(name): \(reason)"
        }
    }
}
