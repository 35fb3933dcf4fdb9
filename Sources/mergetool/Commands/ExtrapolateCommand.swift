import ArgumentParser
import Merging

/// `mergetool extrapolate MERGED --init BASE --eta 1.5[,…] -o OUT`
struct ExtrapolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extrapolate",
        abstract:
            "Extrapolate past a merged checkpoint: θ_init + η·(θ_merged − θ_init) with η > 1.",
        discussion: """
            LITI beyond the merge, as in the paper's appendix C.1 (η up to 2, after Zheng et \
            al. 2024): the task vector is scaled by η. Outputs are labelled as extrapolations. \
            For 0 ≤ η ≤ 1 use `mergetool liti`.

            Example:
              mergetool extrapolate merged --init sft --eta 1.5 -o extrapolated
              mergetool extrapolate merged --init sft --eta 1.25,1.5,2 -o front
            """)

    @Argument(help: "The merged checkpoint.")
    var merged: String

    @Option(name: .customLong("init"), help: "The shared initialisation θ_init.")
    var initial: String

    @Option(parsing: .unconditional, help: "η values greater than 1, comma-separated, e.g. 1.5,2.")
    var eta: DoubleList

    @OptionGroup var merge: MergeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var part: PartOptions

    func validate() throws {
        if let bad = eta.values.first(where: { $0 <= 1 }) {
            throw ValidationError(
                "extrapolate takes η > 1 (got \(bad)); use `mergetool liti` for 0 ≤ η ≤ 1")
        }
    }

    func run() throws {
        try LitiCommand.runLiti(
            name: "extrapolate", merged: merged, initial: initial, etas: eta.values,
            merge: merge, output: output, part: part)
    }
}
