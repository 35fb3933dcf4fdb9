import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct LerpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lerp", abstract: "Merge models by linear interpolation. (not yet available)")
    func run() throws { throw ValidationError("'lerp' is not implemented yet") }
}
