import ArgumentParser

@main
struct MergeTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergetool",
        abstract: "Merge, interpolate, inspect and train policies the WARP way.",
        subcommands: [])
}
