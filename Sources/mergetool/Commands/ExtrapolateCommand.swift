import ArgumentParser

// Placeholder: replaced by the command's implementation.
struct ExtrapolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "extrapolate", abstract: "LITI past the merged model (eta > 1). (not yet available)")
    func run() throws { throw ValidationError("'extrapolate' is not implemented yet") }
}
