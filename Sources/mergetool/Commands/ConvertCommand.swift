import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "convert", abstract: "Copy or convert a checkpoint. (not yet available)")
    func run() throws { throw ValidationError("'convert' is not implemented yet") }
}
