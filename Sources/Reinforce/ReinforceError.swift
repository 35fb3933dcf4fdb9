/// Everything that can be wrong with the trainer's inputs: vocabularies, corpus files, reward
/// commands. Each case names the file, command and numbers involved; `description` is one
/// lowercase line. New cases go one per line, grouped by area.
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
    case unknownReward(spec: String)

    public var description: String {
        switch self {
        case let .invalidVocabulary(reason): "invalid vocabulary: \(reason)"
        case let .fileNotFound(path): "\(path): no such file"
        case let .unreadableFile(path, reason): "\(path): cannot read: \(reason)"
        case let .emptyCorpus(path): "\(path): no documents (every line is empty)"
        case let .invalidVocabularyFile(path, reason):
            "\(path): not a vocabulary file (a json array of tokens): \(reason)"
        case let .cannotWrite(path, reason): "\(path): cannot write: \(reason)"
        case let .batchMismatch(p, c): "\(p) prompts but \(c) completions"
        case let .rewardCommandFailed(cmd, status, stderr):
            "reward command '\(cmd)' exited with status \(status)"
                + (stderr.isEmpty ? "" : ": \(stderr)")
        case let .rewardCommandOutputCount(cmd, expected, got):
            "reward command '\(cmd)' printed \(got) lines, expected \(expected)"
                + " (one per completion)"
        case let .rewardCommandNotNumeric(cmd, line, text):
            "reward command '\(cmd)' line \(line) is not a finite number: '\(text)'"
        case let .rewardCommandTimeout(cmd, seconds):
            "reward command '\(cmd)' did not finish within \(seconds) s and was killed"
        case let .rewardCommandLaunch(cmd, reason):
            "reward command '\(cmd)' could not be started: \(reason)"
        case let .unknownReward(spec):
            "unknown reward '\(spec)' (expected 'lexicon' or 'external:COMMAND')"
        }
    }
}
