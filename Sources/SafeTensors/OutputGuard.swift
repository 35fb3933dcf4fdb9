import Foundation

/// Refuses outputs that would overwrite or swallow an input: the output may not be an input,
/// lie inside an input directory, or be a directory containing an input (replacing it would
/// delete the input). Paths are compared after resolving symlinks and `..`; files are also
/// compared by device and inode (hard links).
enum OutputGuard {
    static func check(output: String, inputs: [String]) throws {
        let out = resolved(output)
        for input in inputs {
            let inp = resolved(input)
            if out == inp || sameFile(output, input) || out.hasPrefix(inp + "/")
                || inp.hasPrefix(out + "/")
            {
                throw SafeTensorsError.outputIsInput(path: output)
            }
        }
    }

    /// Absolute, symlink-free form of `path`, resolving the longest existing prefix.
    static func resolved(_ path: String) -> String {
        let absolute =
            path.hasPrefix("/")
            ? path
            : FileManager.default.currentDirectoryPath + "/" + path
        var components = (absolute as NSString).standardizingPath.split(separator: "/").map(
            String.init)
        var tail: [String] = []
        while !components.isEmpty {
            let prefix = "/" + components.joined(separator: "/")
            if let real = realpath(prefix, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return ([base == "/" ? "" : base] + tail.reversed()).joined(separator: "/")
            }
            tail.append(components.removeLast())
        }
        return "/" + tail.reversed().joined(separator: "/")
    }
}
