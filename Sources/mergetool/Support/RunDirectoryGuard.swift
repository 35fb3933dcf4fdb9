import Foundation
import Reinforce

/// `train sft|rl -o DIR` on a directory that is not a run of the same command: refused, so
/// that files the user did not ask to replace are never overwritten (`--force` writes into a
/// directory of other files anyway; nothing writes a run over a file).
struct RefusedRunDirectory: Error, Equatable, CustomStringConvertible {
    let path: String
    let command: String
    let kind: RunDirectory.Kind

    var description: String {
        switch kind {
        case .notDirectory:
            "\(path) exists and is not a directory; choose another -o for \(command)"
        case .foreign(let files):
            "\(path) holds \(files) file\(files == 1 ? "" : "s") and is not a `\(command)` run "
                + "directory (no run.json of one); choose a new -o directory, or pass --force "
                + "to write into it"
        default:
            "\(path) cannot hold a \(command) run"
        }
    }

    /// Throws unless `dir` is missing, empty, or a previous run of `command` (resumed or
    /// reused as before); `force` lets a directory of other files through.
    static func check<Settings: Decodable>(
        _ dir: String, command: String, settings: Settings.Type, force: Bool
    ) throws {
        let kind = RunDirectory.kind(of: dir, settings: settings)
        switch kind {
        case .absent, .empty, .previousRun: return
        case .foreign where force: return
        default: throw RefusedRunDirectory(path: dir, command: command, kind: kind)
        }
    }
}
