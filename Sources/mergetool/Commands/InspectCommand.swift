import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Describe a checkpoint's tensors. (not yet available)")
    func run() throws { throw ValidationError("'inspect' is not implemented yet") }
}
