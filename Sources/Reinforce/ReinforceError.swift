/// Everything that can be wrong in the trainer: model configs, checkpoints and batches,
/// vocabularies, corpus files, reward commands, run options. Each case names the file,
/// command and numbers involved; `description` is one lowercase line. New cases go one per
/// line, grouped by area.
public enum ReinforceError: Error, Equatable, CustomStringConvertible, Sendable {
    // Task: vocabulary and corpus
    case invalidVocabulary(reason: String)
    case fileNotFound(path: String)
    case unreadableFile(path: String, reason: String)
    case emptyCorpus(path: String)
    case invalidVocabularyFile(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    // Task: rewards
    case batchMismatch(prompts: Int, completions: Int)
    case rewardCommandFailed(command: String, status: Int32, stderr: String)
    case rewardCommandOutputCount(command: String, expected: Int, got: Int)
    case rewardCommandNotNumeric(command: String, line: Int, text: String)
    case rewardCommandTimeout(command: String, seconds: Double)
    case rewardCommandLaunch(command: String, reason: String)
    case rewardCommandOutputTooLarge(command: String, limit: Int)
    case rewardCommandLineTooLong(command: String, line: Int, limit: Int)
    case unknownReward(spec: String)

    // model, batches and options
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
    case notEnoughMemory(what: String, needed: Double, available: Double, detail: String)
    case allocationFailed(floats: Int)
    case nonFiniteTraining(step: Int, what: String)
    // WARP with an external trainer, evaluator or scheduler
    case trainerFailed(run: String, log: String, reason: String)
    case evaluatorFailed(checkpoint: String, log: String, reason: String)
    case warpStepFailed(step: String, log: String, reason: String)
    case schedulerFailed(command: String, reason: String)
    case runDirectoryMismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidVocabulary(let reason): "invalid vocabulary: \(reason)"
        case .fileNotFound(let path): "\(path): no such file"
        case .unreadableFile(let path, let reason): "\(path): cannot read: \(reason)"
        case .emptyCorpus(let path): "\(path): no documents (every line is empty)"
        case .invalidVocabularyFile(let path, let reason):
            "\(path): not a vocabulary file (a json array of tokens): \(reason)"
        case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
        case .batchMismatch(let p, let c): "\(p) prompts but \(c) completions"
        case .rewardCommandFailed(let cmd, let status, let stderr):
            "reward command '\(cmd)' exited with status \(status)"
                + (stderr.isEmpty ? "" : ": \(stderr)")
        case .rewardCommandOutputCount(let cmd, let expected, let got):
            "reward command '\(cmd)' printed \(got) lines, expected \(expected)"
                + " (one per completion)"
        case .rewardCommandNotNumeric(let cmd, let line, let text):
            "reward command '\(cmd)' line \(line) is not a finite number: '\(text)'"
        case .rewardCommandTimeout(let cmd, let seconds):
            "reward command '\(cmd)' did not finish within \(seconds) s and was killed"
        case .rewardCommandLaunch(let cmd, let reason):
            "reward command '\(cmd)' could not be started: \(reason)"
        case .rewardCommandOutputTooLarge(let cmd, let limit):
            "reward command '\(cmd)' printed more than the limit of \(limit) bytes on stdout"
                + " and was killed"
        case .rewardCommandLineTooLong(let cmd, let line, let limit):
            "reward command '\(cmd)' line \(line) is longer than the limit of \(limit) bytes"
                + " and was killed"
        case .unknownReward(let spec):
            "unknown reward '\(spec)' (expected 'lexicon' or 'external:COMMAND')"
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
        case let .notEnoughMemory(what, needed, available, detail):
            "\(what): this configuration needs about \(Self.gib(needed)) GiB (\(detail));"
                + " the machine has \(Self.gib(available)) GiB"
        case let .allocationFailed(floats):
            "could not allocate \(floats) floats (\(Self.gib(Double(floats) * 4)) GiB)"
        case let .nonFiniteTraining(step, what):
            "training step \(step) produced a non-finite \(what); stopped without writing it"
                + " (the last checkpoint is kept)"
        case let .trainerFailed(run, log, reason): "\(run): \(reason) (trainer log: \(log))"
        case let .evaluatorFailed(checkpoint, log, reason):
            "evaluator on \(checkpoint): \(reason) (log: \(log))"
        case let .warpStepFailed(step, log, reason): "step \(step) failed: \(reason) (log: \(log))"
        case let .schedulerFailed(command, reason): "\(command): \(reason)"
        case let .runDirectoryMismatch(path, reason):
            "\(path) holds another WARP run: \(reason); use another --run-dir"
        }
    }

    /// Bytes as GiB with one decimal.
    static func gib(_ bytes: Double) -> String {
        let tenths = (bytes / Double(1 << 30) * 10).rounded()
        return tenths.isFinite && tenths < 1e15 ? "\(Int(tenths) / 10).\(Int(tenths) % 10)" : "∞"
    }
}
