import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct LitiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "liti", abstract: "Interpolate a merged model toward its init. (not yet available)")
    func run() throws { throw ValidationError("'liti' is not implemented yet") }
}
