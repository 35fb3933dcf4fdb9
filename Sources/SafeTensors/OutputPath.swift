import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Path plumbing shared by every writer: splitting an output path, creating its missing parent
/// directories, syncing directory entries to disk and the two renames POSIX `rename` lacks
/// (exchange, and rename-unless-present).
enum OutputPath {
    /// The directory and last component of `path`, trailing slashes ignored, split on bytes
    /// (a `/` followed by a combining mark is still a separator). `m` gives `(".", "m")`,
    /// `a/` gives `(".", "a")`, `/x` gives `("/", "x")`.
    /// - Throws: `.outputNotReplaceable` for `/`, `.`, `..` or a path ending in them.
    static func split(_ path: String) throws -> (dir: String, base: String) {
        var bytes = Array(path.utf8)
        while bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        let slash = bytes.lastIndex(of: UInt8(ascii: "/"))
        let base = String(decoding: bytes[(slash.map { $0 + 1 } ?? 0)...], as: UTF8.self)
        if base.isEmpty || base == "." || base == ".." {
            throw SafeTensorsError.outputNotReplaceable(
                path: path,
                reason: base.isEmpty
                    ? "the root directory cannot be replaced"
                    : "'\(base)' names an existing directory, not a new output: give it a name")
        }
        guard let s = slash else { return (".", base) }
        let dir = String(decoding: bytes[..<s], as: UTF8.self)
        return (dir.isEmpty ? "/" : dir, base)
    }

    /// Creates the missing directories leading to `dir` (mode 0777 less the umask), like
    /// `mkdir -p` and Hugging Face's `save_pretrained`.
    /// - Returns: the directories created, deepest first (to remove them again on failure).
    static func createDirectories(_ dir: String) throws -> [String] {
        var missing: [String] = []
        var current = dir
        var st = stat()
        while lstat(current, &st) != 0 && errno == ENOENT {
            missing.append(current)
            guard let parent = try? split(current).dir, parent != current else { break }
            current = parent
        }
        for d in missing.reversed() where mkdir(d, 0o777) != 0 && errno != EEXIST {
            let e = errno
            removeEmpty(missing)
            throw SafeTensorsError.io(
                path: d, operation: "create directory", errno: e,
                message: String(cString: strerror(e)))
        }
        return missing
    }

    /// Removes directories created by `createDirectories` if they are still empty.
    static func removeEmpty(_ created: [String]) {
        for d in created { _ = rmdir(d) }
    }

    /// fsync(2) of a directory, so the entries renamed into it survive a power loss.
    /// Filesystems that cannot sync a directory (`EINVAL`) are let be.
    static func syncDirectory(_ dir: String) throws {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try posixChecked(fd, "open directory", path: dir)
        defer { close(fd) }
        if fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP {
            try posixChecked(Int32(-1), "fsync", path: dir)
        }
    }

    /// How `move` treats an existing destination.
    enum Move {
        /// Fail with `EEXIST` if the destination exists.
        case noReplace
        /// Swap source and destination atomically; both must exist.
        case exchange
    }

    /// `renameat2(2)` with `RENAME_NOREPLACE` / `RENAME_EXCHANGE` on Linux, `renamex_np(2)`
    /// with `RENAME_EXCL` / `RENAME_SWAP` on Darwin.
    /// - Returns: 0, or the errno (`ENOSYS`/`EINVAL`/`ENOTSUP` when the system or filesystem
    ///   cannot do it: the caller falls back to plain renames).
    static func move(_ from: String, _ to: String, _ mode: Move) -> Int32 {
        #if canImport(Glibc)
            guard let renameat2 = Self.renameat2 else { return ENOSYS }
            let flags: UInt32 = mode == .noReplace ? 1 : 2  // RENAME_NOREPLACE, RENAME_EXCHANGE
            return renameat2(AT_FDCWD, from, AT_FDCWD, to, flags) == 0 ? 0 : errno
        #elseif canImport(Darwin)
            let flags = mode == .noReplace ? UInt32(RENAME_EXCL) : UInt32(RENAME_SWAP)
            return renamex_np(from, to, flags) == 0 ? 0 : errno
        #else
            return ENOSYS
        #endif
    }

    #if canImport(Glibc)
        private typealias RenameAt2 =
            @convention(c) (
                Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32
            ) -> Int32

        /// glibc's wrapper (2.28+), looked up at run time: Swift's Glibc module does not
        /// import it and `syscall(2)` is variadic.
        private static let renameat2: RenameAt2? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else {
                return nil
            }
            return unsafeBitCast(symbol, to: RenameAt2.self)
        }()
    #endif

    /// Whether `errno` from `move` means "not supported here" rather than a real failure.
    static func unsupported(_ e: Int32) -> Bool {
        e == ENOSYS || e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP
    }
}
