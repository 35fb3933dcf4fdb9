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
        case .unknownReward(let spec):
            "unknown reward '\(spec)' (expected 'lexicon' or 'external:COMMAND')"
        }
    }
}
