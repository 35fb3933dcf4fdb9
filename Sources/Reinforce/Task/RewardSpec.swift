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
    /// - Throws: `ReinforceError.unknownReward` for any other spec or an empty command;
    ///   `.invalidOption` for a non-finite length penalty or a timeout that is not finite and
    ///   positive.
    public static func make(
        _ spec: String, lengthPenalty: Double? = nil,
        timeout: Double = ExternalReward.defaultTimeout
    ) throws -> any RewardFunction {
        try ExternalReward.validate(timeout: timeout)
        if let alpha = lengthPenalty, !alpha.isFinite {
            throw ReinforceError.invalidOption(
                name: "length penalty", reason: "\(alpha) is not a finite number")
        }
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
