import ArgumentParser
import Merging

/// `mergetool lerp A B [C …] [--init BASE] -o OUT [--weights …] [--eta …]`
struct LerpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lerp",
        abstract:
            "Average models linearly, or add weighted task vectors to an init (task arithmetic).",
        discussion: """
            Without --init: lerp = \(Lerp.formula) (uniform by default).
            With --init: task arithmetic \(TaskArithmetic.formula) with δm = θm − θ_init, \
            weights used as given \
            (default 1/M, the plain average). LERP shrinks the task vector when task vectors \
            are not aligned (paper Lemma 2); compare slerp, which keeps its norm.

            With --eta (needs --init), each output is (1−η)·θ_init + η·merge.

            Example:
              mergetool lerp ft1 ft2 -o average
              mergetool lerp ft1 ft2 --init sft --weights 1,1 -o sum-of-task-vectors
            """)

    @Argument(help: "Checkpoints to merge (two or more).")
    var models: [String]

    @Option(
        name: .customLong("init"), help: "The shared initialisation (switches to task arithmetic).")
    var initial: String?

    @Option(help: "Per-model weights, comma-separated, e.g. 0.7,0.3.")
    var weights: DoubleList?

    @Option(parsing: .unconditional, help: "LITI coefficients η, comma-separated (needs --init).")
    var eta: DoubleList?

    @OptionGroup var grouping: GroupingOptions
    @OptionGroup var merge: MergeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var part: PartOptions

    func validate() throws {
        if models.count < 2 {
            throw ValidationError("lerp needs at least two models, got \(models.count)")
        }
        if eta != nil, initial == nil { throw ValidationError("--eta needs --init") }
    }

    func run() throws {
        try MergeCommandRun(
            name: "lerp", method: initial == nil ? .lerp : .taskArithmetic,
            weights: weights?.values, etas: eta?.values, models: models, initPath: initial,
            grouping: grouping, merge: merge, output: output, part: part
        ).run()
    }
}
