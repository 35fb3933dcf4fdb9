import ArgumentParser
import Merging

/// `mergetool liti MERGED --init BASE --eta 0.3[,…] -o OUT`
struct LitiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liti",
        abstract:
            "Move a merged checkpoint toward its init: \(Liti.formula) (WARP stage 3).",
        discussion: """
            η = 0 gives the init, η = 1 the merged model; η = 0.3 is the paper's next init. \
            Several η write a KL-reward front, OUT/eta-<η>/ each. η > 1 extrapolates (see \
            `mergetool extrapolate`); η < 0 needs --allow-negative-eta.

            Example:
              mergetool liti merged --init sft --eta 0.3 -o next-init
              mergetool liti merged --init sft --eta 0,0.1,0.3,0.5,0.8,1 -o front
            """)

    @Argument(help: "The merged checkpoint (e.g. the output of slerp).")
    var merged: String

    @Option(name: .customLong("init"), help: "The shared initialisation θ_init.")
    var initial: String

    @Option(parsing: .unconditional, help: "η values, comma-separated, e.g. 0.1,0.3.")
    var eta: DoubleList

    @OptionGroup var merge: MergeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var part: PartOptions

    func run() throws {
        try Self.runLiti(
            name: "liti", merged: merged, initial: initial, etas: eta.values,
            merge: merge, output: output, part: part)
    }

    static func runLiti(
        name: String, merged: String, initial: String, etas: [Double],
        merge: MergeOptions, output: OutputOptions, part: PartOptions? = nil
    ) throws {
        try MergeCommandRun(
            name: name, method: .liti, etas: etas, models: [merged], initPath: initial,
            merge: merge, output: output, part: part
        ).run()
    }
}
