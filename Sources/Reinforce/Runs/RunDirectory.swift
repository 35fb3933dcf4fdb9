import Foundation

/// What an existing output directory of a training command is, before the run writes into it:
/// only a missing or empty directory, or a previous run of the same command (its `run.json`
/// decodes as that command's settings: resumed or reused), is safe to write into.
public enum RunDirectory {
    public enum Kind: Equatable, Sendable {
        /// Nothing at the path (the run creates it).
        case absent
        /// An empty directory.
        case empty
        /// A run directory of the same command (`run.json` decodes as its settings).
        case previousRun
        /// A directory holding other files (`files` of them, none a matching `run.json`).
        case foreign(files: Int)
        /// Not a directory (a file, FIFO, …).
        case notDirectory
    }

    /// Classifies `dir` for a run whose `run.json` holds `Settings`.
    /// - Complexity: one directory listing and at most one small file read.
    public static func kind<Settings: Decodable>(
        of dir: String, settings: Settings.Type
    ) -> Kind {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else {
            return .absent
        }
        guard isDir.boolValue else { return .notDirectory }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        if names.isEmpty { return .empty }
        let runFile = (dir as NSString).appendingPathComponent("run.json")
        if let data = try? readFile(runFile),
            (try? JSONDecoder().decode(Settings.self, from: data)) != nil
        {
            return .previousRun
        }
        return .foreign(files: names.count)
    }
}
