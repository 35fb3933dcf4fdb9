import Merging

/// A unit of work of a WARP run whose steps run apart (an external trainer, or any run on a
/// scheduler): what an executor schedules and `mergetool warp step --step NAME` runs.
///
///     sft            the SFT policy (trained, or copied from --sft) → sft/, iteration-1/init/
///     train:I:M      run M of iteration I (the trainer command)      → iteration-I/run-M/policy/
///     baseline:K     SFT-anchored run at the K-th β (built-in)       → baseline-beta-B/policy/
///     merge:I:K/N    part K of N of the SLERP + LITI merge (whole    → iteration-I/.merged.parts/
///                    groups; only with `mergeParts` N > 1)
///     merge:I        SLERP + LITI front (with N > 1: assembles the   → iteration-I/eta-X.XX/,
///                    parts), next init, angles, front scores           iteration-(I+1)/init/,
///                                                                      iteration-I/evaluation.json
///     summary        every iteration's scores                        → summary.json, front.txt,
///                                                                      figures/
///
/// A task is done only when its completion marker (`steps/NAME.done`) exists; the marker is
/// written atomically after every output of the task was committed (`WarpRunDirectory`).
public enum WarpTask: Sendable, Hashable, CustomStringConvertible {
    case sft
    case train(iteration: Int, run: Int)
    case baseline(index: Int)
    case mergePart(iteration: Int, part: Int, count: Int)
    case merge(iteration: Int)
    case summary

    /// `sft`, `train:I:M`, `baseline:K`, `merge:I:K/N`, `merge:I`, `summary` (the `--step`
    /// argument).
    public var description: String {
        switch self {
        case .sft: "sft"
        case let .train(i, m): "train:\(i):\(m)"
        case let .baseline(k): "baseline:\(k)"
        case let .mergePart(i, k, n): "merge:\(i):\(k)/\(n)"
        case let .merge(i): "merge:\(i)"
        case .summary: "summary"
        }
    }

    /// The name in file names: `sft`, `train-I-M`, `baseline-K`, `merge-I-K-of-N`, `merge-I`,
    /// `summary`.
    public var fileName: String {
        description.replacingOccurrences(of: "/", with: "-of-")
            .replacingOccurrences(of: ":", with: "-")
    }

    /// Parses `description`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 3, parts[0] == "merge", let i = Int(parts[1]), i >= 1,
            let part = MergePart(parts[2]), part.index >= 1, part.index <= part.count
        {
            self = .mergePart(iteration: i, part: part.index, count: part.count)
            return
        }
        let numbers = parts.dropFirst().compactMap { Int($0) }.filter { $0 >= 1 }
        guard numbers.count == parts.count - 1 else { return nil }
        switch (parts[0], numbers.count) {
        case ("sft", 0): self = .sft
        case ("summary", 0): self = .summary
        case ("train", 2): self = .train(iteration: numbers[0], run: numbers[1])
        case ("baseline", 1): self = .baseline(index: numbers[0])
        case ("merge", 1): self = .merge(iteration: numbers[0])
        default: return nil
        }
    }

    /// Every task of a run with `iterations` I, `runs` M, `baselines` B and `mergeParts` N, in
    /// an order that respects their inputs: sft, the baselines, then per iteration its M runs,
    /// its N merge parts (none for N = 1: the merge task merges) and its merge, then the
    /// summary.
    public static func plan(iterations: Int, runs: Int, baselines: Int = 0, mergeParts: Int = 1)
        -> [WarpTask]
    {
        var tasks: [WarpTask] = [.sft]
        tasks += (0..<baselines).map { .baseline(index: $0 + 1) }
        for i in 1...max(1, iterations) {
            tasks += (1...max(1, runs)).map { .train(iteration: i, run: $0) }
            if mergeParts > 1 {
                tasks += (1...mergeParts).map {
                    .mergePart(iteration: i, part: $0, count: mergeParts)
                }
            }
            tasks.append(.merge(iteration: i))
        }
        tasks.append(.summary)
        return tasks
    }
}
