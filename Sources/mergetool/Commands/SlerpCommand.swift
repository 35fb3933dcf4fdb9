import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct SlerpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "slerp", abstract: "Merge task vectors by spherical interpolation. (not yet available)")
    func run() throws { throw ValidationError("'slerp' is not implemented yet") }
}
