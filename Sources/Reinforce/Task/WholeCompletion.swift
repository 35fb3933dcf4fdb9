/// A reward that sees every sampled token of a fixed-length completion (issue 13).
///
/// Rewards read a completion up to its first `<bos>` end marker (`RewardText.completion`).
/// When sampling does not stop at the marker (`ReinforceSettings.stopAtEnd == false`), the
/// tokens after it would be invisible to the reward although the policy is trained on them;
/// this wrapper removes every end marker before scoring, so `base` sees all the other tokens:
///
///     r'(x, y) = r(x, [t ∈ y : t ≠ <bos>])
///
/// With completions that stop at the marker, it changes nothing (the marker is last).
public struct WholeCompletion: RewardFunction {
    public let base: any RewardFunction

    public init(_ base: any RewardFunction) { self.base = base }

    public func rewards(prompts: [[Int]], completions: [[Int]], vocabulary: Vocabulary)
        throws -> [Double]
    {
        try base.rewards(
            prompts: prompts,
            completions: completions.map { $0.filter { $0 != Vocabulary.bos } },
            vocabulary: vocabulary)
    }
}
