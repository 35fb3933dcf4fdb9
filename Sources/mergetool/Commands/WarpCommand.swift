import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct WarpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "warp", abstract: "Run the iterative WARP loop. (not yet available)")
    func run() throws { throw ValidationError("'warp' is not implemented yet") }
}
