import ArgumentParser
import Merging

/// `mergetool slerp A B [C …] --init BASE -o OUT [--lambda L | --weights …] [--eta …]`
struct SlerpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slerp",
        abstract: "Merge task vectors by spherical interpolation (WARP stage 2), optionally fused "
            + "with a LITI front.",
        discussion: """
            Task vectors δm = θm − θ_init are merged layer by layer (one angle Ω per \
            transformer block by default):

              slerp = \(Slerp.formula)

            For M > 2 models: slerpm(θ1…θM) = slerp(slerpm(θ1…θM−1), θM, λ = 1/M) (paper \
            eq. 26), or λk = wk / Σj≤k wj with --weights. Zero or parallel task vectors \
            (sin Ω < 1e-6) use lerp, SLERP's limit; near-antiparallel ones (cos Ω < 0 and \
            sin Ω < \(Slerp.antiparallelSine), i.e. Ω > 174.26°, where the coefficients \
            would exceed 10) use lerp with a warning naming the group and Ω.

            With --eta, each output is the LITI point (1−η)·θ_init + η·slerp, all from one read \
            of the inputs; several η write OUT/eta-<η>/ (η > 1 extrapolates).

            Example:
              mergetool slerp ft1 ft2 --init sft -o merged
              mergetool slerp ft1 ft2 --init sft --eta 0,0.1,0.3,0.5,0.8,1 -o front
            """)

    @Argument(help: "Fine-tuned checkpoints (two or more) sharing the init.")
    var models: [String]

    @Option(name: .customLong("init"), help: "The shared initialisation θ_init.")
    var initial: String

    @Option(
        name: .customLong("lambda"),
        help: "Weight λ of the second task vector (two models; default 0.5).")
    var lambda: Double?

    @Option(help: "Per-model weights, comma-separated, e.g. 1,1,2 (λk = wk / Σj≤k wj).")
    var weights: DoubleList?

    @Option(
        parsing: .unconditional,
        help: "LITI coefficients η, comma-separated, e.g. 0.3 or 0,0.1,0.3,1.")
    var eta: DoubleList?

    @OptionGroup var grouping: GroupingOptions
    @OptionGroup var merge: MergeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var part: PartOptions

    func validate() throws {
        if models.count < 2 {
            throw ValidationError("slerp needs at least two models, got \(models.count)")
        }
        if lambda != nil, weights != nil {
            throw ValidationError("use either --lambda or --weights")
        }
        if lambda != nil, models.count != 2 {
            throw ValidationError("--lambda is for two models; use --weights for \(models.count)")
        }
    }

    func run() throws {
        try MergeCommandRun(
            name: "slerp", method: .slerp, lambda: lambda, weights: weights?.values,
            etas: eta?.values, models: models, initPath: initial, grouping: grouping,
            merge: merge,
            output: output, part: part
        ).run()
    }
}
