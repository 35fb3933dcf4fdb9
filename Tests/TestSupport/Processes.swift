import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process checks for the tests that start children and must leave none behind.
public enum Processes {
    /// Whether `pid` is a live process; a zombie counts as gone (it is reaped when it is
    /// ours). Waits up to about 10 s for a killed process to finish dying: SIGKILL is
    /// delivered asynchronously.
    public static func isAlive(_ pid: pid_t) -> Bool {
        for _ in 0..<5000 {
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG)
            if kill(pid, 0) == -1 && errno == ESRCH { return false }
            #if os(Linux)
                if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")"),
                    stat[stat.index(close, offsetBy: 2)] == "Z"
                {
                    return false
                }
            #endif
            usleep(2000)
        }
        return true
    }

    /// The PIDs a command wrote to `file`, one per line.
    /// - Throws: when `file` cannot be read (the command never wrote it).
    public static func pids(in file: String) throws -> [pid_t] {
        try String(contentsOfFile: file, encoding: .utf8)
            .split(whereSeparator: \.isNewline).compactMap { pid_t($0) }
    }
}
