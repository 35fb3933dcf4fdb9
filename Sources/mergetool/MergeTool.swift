import ArgumentParser

@main
struct MergeTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergetool",
        abstract: "Merge, interpolate, inspect and train policies the WARP way.",
        subcommands: [
            InspectCommand.self, ConvertCommand.self, SlerpCommand.self, LerpCommand.self,
            LitiCommand.self, ExtrapolateCommand.self, AnglesCommand.self, TrainCommand.self,
            EvalCommand.self, WarpCommand.self,
        ])
}
