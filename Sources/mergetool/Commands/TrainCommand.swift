import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train a tiny GPT policy (sft or rl). (not yet available)")
    func run() throws { throw ValidationError("'train' is not implemented yet") }
}
