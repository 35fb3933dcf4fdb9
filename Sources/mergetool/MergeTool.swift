import ArgumentParser
import SafeTensors

@main
struct MergeTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergetool",
        abstract: "Merge, interpolate, inspect and train policies the WARP way.",
        subcommands: [
            InspectCommand.self, ConvertCommand.self, SlerpCommand.self, LerpCommand.self,
            LitiCommand.self, ExtrapolateCommand.self, AnglesCommand.self, TrainCommand.self,
            EvalCommand.self, WarpGroup.self, IndexCommand.self,
            RunCommand.self, MergeCommand.self,
        ])

    /// Installs the interrupt handling (remove temporaries, kill child process groups, exit
    /// 128 + signal) before any thread exists, then parses and runs the command. Every
    /// command runs inside `ErrorAdvice.reporting`, so every failure is reported the same way:
    /// one `error: …` line (advice for library errors, one line for Foundation errors) and a
    /// non-zero exit. No command prints its own errors.
    static func main() {
        SignalCleanup.install()
        do {
            var command = try parseAsRoot(nil)
            try ErrorAdvice.reporting { try command.run() }
        } catch {
            exit(withError: error)
        }
    }

    /// Every failure prints as one lowercase `error: …` line (the house style).
    static var _errorLabel: String { "error" }
}
