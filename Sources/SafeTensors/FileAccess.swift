import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The path and file helpers of the writers, for other modules: splitting a path without
/// Foundation's `deletingLastPathComponent` (which traps on one-character relative paths in
/// swift-corelibs-foundation), creating missing directories, and reading a small regular file
/// without hanging on a FIFO.
public enum FileAccess {
    /// The directory and last component of `path` (`m` → `(".", "m")`, `a/` → `(".", "a")`).
    /// - Throws: `SafeTensorsError.outputNotReplaceable` for `/`, `.`, `..` or a path ending in
    ///   them.
    public static func split(_ path: String) throws -> (dir: String, base: String) {
        try OutputPath.split(path)
    }

    /// The directory holding `path`: `.` for a bare name, `path/..` where `split` refuses.
    public static func parent(of path: String) -> String {
        (try? OutputPath.split(path).dir) ?? path + "/.."
    }

    /// Creates `dir` and its missing parents (like `mkdir -p`).
    /// - Throws: `SafeTensorsError.io` naming the directory that could not be created, or
    ///   `.io` with `ENOTDIR` when `dir` exists and is not a directory.
    public static func createDirectories(_ dir: String) throws {
        _ = try OutputPath.createDirectories(dir)
        var st = stat()
        try posixChecked(stat(dir, &st), "create directory", path: dir)
        if (st.st_mode & S_IFMT) != S_IFDIR {
            throw SafeTensorsError.io(
                path: dir, operation: "create directory", errno: ENOTDIR,
                message: String(cString: strerror(ENOTDIR)))
        }
    }

    /// The bytes of the regular file at `path` (symbolic links followed).
    /// - Throws: `.notRegularFile` for a FIFO, socket or device (never blocks on one),
    ///   `.notACheckpoint(path, "is a directory")` for a directory, `.io` when a call fails.
    public static func readRegularFile(_ path: String) throws -> [UInt8] {
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            try posixChecked(n, "read", path: path)
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}
