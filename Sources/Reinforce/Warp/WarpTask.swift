/// A unit of work of a WARP run whose steps run apart (an external trainer, or any run on a
/// scheduler): what an executor schedules and `mergetool warp step --step NAME` runs.
///
///     sft            the SFT policy (trained, or copied from --sft) → sft/, iteration-1/init/
///     train:I:M      run M of iteration I (the trainer command)      → iteration-I/run-M/policy/
///     merge:I        SLERP + LITI front, next init, front scores     → iteration-I/eta-X.XX/,
///                                                                      iteration-(I+1)/init/,
///                                                                      iteration-I/scores.json
///     summary        every iteration's scores                        → summary.json, front.txt
///
/// A task is done only when its completion marker (`steps/NAME.done`) exists; the marker is
/// written atomically after every output of the task was committed (`WarpRunDirectory`).
public enum WarpTask: Sendable, Hashable, CustomStringConvertible {
    case sft
    case train(iteration: Int, run: Int)
    case merge(iteration: Int)
    case summary

    /// `sft`, `train:I:M`, `merge:I`, `summary` (the `--step` argument).
    public var description: String {
        switch self {
        case .sft: "sft"
        case let .train(i, m): "train:\(i):\(m)"
        case let .merge(i): "merge:\(i)"
        case .summary: "summary"
        }
    }

    /// The name in file names: `sft`, `train-I-M`, `merge-I`, `summary`.
    public var fileName: String {
        description.replacingOccurrences(of: ":", with: "-")
    }

    /// Parses `description`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let numbers = parts.dropFirst().compactMap { Int($0) }.filter { $0 >= 1 }
        guard numbers.count == parts.count - 1 else { return nil }
        switch (parts[0], numbers.count) {
        case ("sft", 0): self = .sft
        case ("summary", 0): self = .summary
        case ("train", 2): self = .train(iteration: numbers[0], run: numbers[1])
        case ("merge", 1): self = .merge(iteration: numbers[0])
        default: return nil
        }
    }

    /// Every task of a run with `iterations` I and `runs` M, in an order that respects their
    /// inputs: sft, then per iteration its M runs and its merge, then the summary.
    public static func plan(iterations: Int, runs: Int) -> [WarpTask] {
        var tasks: [WarpTask] = [.sft]
        for i in 1...max(1, iterations) {
            tasks += (1...max(1, runs)).map { .train(iteration: i, run: $0) }
            tasks.append(.merge(iteration: i))
        }
        tasks.append(.summary)
        return tasks
    }
}
