import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate policies: reward and KL to the SFT model. (not yet available)")
    func run() throws { throw ValidationError("'eval' is not implemented yet") }
}
