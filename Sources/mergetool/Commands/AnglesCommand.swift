import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct AnglesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "angles", abstract: "Angles and norms of task vectors and weights. (not yet available)")
    func run() throws { throw ValidationError("'angles' is not implemented yet") }
}
