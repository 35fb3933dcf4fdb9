import Foundation

/// Rewards named on the command line: `--reward lexicon` (the default) or
/// `--reward 'external:python3 score.py'`, optionally wrapped in a length penalty.
public enum RewardSpec {
    /// The reward a spec names.
    ///
    ///     "lexicon"           → SentimentLexiconReward()
    ///     "external:COMMAND"  → ExternalReward(command: COMMAND, timeout: timeout)
    ///
    /// wrapped in `LengthPenalty(reward, coefficient: α)` when `lengthPenalty` α is non-zero.
    /// - Throws: `ReinforceError.unknownReward` for any other spec or an empty command.
    public static func make(_ spec: String, lengthPenalty: Double? = nil, timeout: Double = 60)
        throws -> any RewardFunction
    {
        let base: any RewardFunction
        if spec == "lexicon" {
            base = SentimentLexiconReward()
        } else if spec.hasPrefix("external:"),
            case let command = String(spec.dropFirst("external:".count)),
            !command.trimmingCharacters(in: .whitespaces).isEmpty
        {
            base = ExternalReward(command: command, timeout: timeout)
        } else {
            throw ReinforceError.unknownReward(spec: spec)
        }
        if let alpha = lengthPenalty, alpha != 0 {
            return LengthPenalty(base, coefficient: alpha)
        }
        return base
    }
}
