import ArgumentParser

/// `mergetool warp …`: the WARP loop (`warp run`, the default, so `mergetool warp --run-dir D`
/// runs it) and the commands around a run directory.
struct WarpGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warp",
        abstract: "The WARP loop (Algorithm 1) and the commands around its run directory.",
        discussion: """
            `mergetool warp --run-dir DIR …` is `mergetool warp run --run-dir DIR …`.
            """,
        subcommands: [
            WarpCommand.self,
            WarpStatusCommand.self, WarpStepCommand.self,
            WarpStudyCommand.self,
        ],
        defaultSubcommand: WarpCommand.self)
}
