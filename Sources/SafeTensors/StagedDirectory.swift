import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A directory output assembled under a temporary name beside its final path
/// (`.OUT.tmp-<pid>-<start>-<boot>-XXXXXX`, see `StaleTemporaries`) and moved into place by
/// `commit()`, so a kill at any point leaves the old output or the new one at `path`, never
/// neither and never a mix.
///
/// `commit()`: fsync the staged directory (its files were fsynced by their writers), then
/// - nothing at `path`: rename it there (`renameat2(RENAME_NOREPLACE)` where available);
/// - else exchange the two atomically (`renameat2(RENAME_EXCHANGE)` on Linux,
///   `renamex_np(RENAME_SWAP)` on Darwin) and remove the old output, now under the temporary
///   name; where exchange is unsupported, move the old output aside to `.OUT.old-…`, rename
///   the new one in (putting the old one back on failure) and remove it — a kill between the
///   two renames leaves the old output at `.OUT.old-…`, which the next writer in that directory
///   puts back at `path`;
/// - fsync the parent directory.
/// The replacement policy is checked when the directory is created and again at commit.
///
/// Missing parent directories are created (and removed again, if still empty, on abort).
/// The temporary is registered with `SignalCleanup` until it is committed or removed; stale
/// temporaries of dead writers beside `path` are removed first.
public final class StagedDirectory {
    /// The final path.
    public let path: String
    /// Where the directory is assembled.
    public let temporaryPath: String
    public let replacing: OutputReplacement
    private let parent: String
    private let base: String
    private var createdParents: [String]
    private var token: SignalCleanup.Token?
    private var done = false
    /// Whether to try an atomic exchange (tests turn it off to check the fallback).
    var usesExchange = true

    /// - Parameters:
    ///   - inputs: paths the output must not be, be inside, or contain.
    ///   - replacing: what an existing `path` may be.
    /// - Throws: `.outputIsInput`, the errors of `OutputReplacement.check`, I/O errors.
    public init(path: String, inputs: [String] = [], replacing: OutputReplacement) throws {
        (parent, base) = try OutputPath.split(path)
        try OutputGuard.check(output: path, inputs: inputs)
        try replacing.check(path, directoryOutput: true)
        self.path = path
        self.replacing = replacing
        createdParents = try OutputPath.createDirectories(parent)
        StaleTemporaries.removeStale(in: parent)
        var template = Array(StaleTemporaries.template(dir: parent, base: base).utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        guard made else {
            let e = errno
            OutputPath.removeEmpty(createdParents)
            throw SafeTensorsError.io(
                path: path, operation: "create directory", errno: e,
                message: String(cString: strerror(e)))
        }
        temporaryPath = String(cString: template.map { UInt8(bitPattern: $0) })
        token = SignalCleanup.registerIfHandled(temporary: temporaryPath)
        _ = chmod(temporaryPath, 0o755)
    }

    /// Moves the staged directory to `path`, replacing what is there (see the type's
    /// documentation). On failure the staged directory is removed and `path` is unchanged.
    public func commit() throws {
        precondition(!done, "commit after commit/abort")
        do {
            try WriteFaults.reach(.directorySync, temporaryPath)
            try OutputPath.syncDirectory(temporaryPath)
            try replacing.check(path, directoryOutput: true)
            try WriteFaults.reach(.exchange, temporaryPath)
            try moveIntoPlace()
        } catch {
            abort()
            throw error
        }
        done = true
        // the old output now sits at temporaryPath (or nowhere); a failure to remove it is
        // left to the next writer here
        if (try? WriteFaults.reach(.removeOld, temporaryPath)) != nil {
            try? FileManager.default.removeItem(atPath: temporaryPath)
        }
        if let t = token { SignalCleanup.unregister(t) }
        token = nil
    }

    private func moveIntoPlace() throws {
        var st = stat()
        if lstat(path, &st) != 0 {
            let e = OutputPath.move(temporaryPath, path, .noReplace)
            if e == 0 { return try OutputPath.syncDirectory(parent) }
            if !OutputPath.unsupported(e) { throw failure("rename", e) }
            if rename(temporaryPath, path) != 0 { throw failure("rename", errno) }
            return try OutputPath.syncDirectory(parent)
        }
        let e = usesExchange ? OutputPath.move(temporaryPath, path, .exchange) : ENOSYS
        if e == 0 { return try OutputPath.syncDirectory(parent) }
        if !OutputPath.unsupported(e) { throw failure("exchange", e) }
        try moveAsideAndRename()
    }

    /// The fallback without an atomic exchange: old output aside, new in, old removed.
    private func moveAsideAndRename() throws {
        var template = Array(
            StaleTemporaries.template(dir: parent, base: base, kind: "old").utf8CString)
        // a placeholder of the same kind, so rename(2) may replace it
        var st = stat()
        let isDirectory = lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        if isDirectory {
            let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
            if !made { throw failure("create", errno) }
        } else {
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd < 0 { throw failure("create", errno) }
            close(fd)
        }
        let aside = String(cString: template.map { UInt8(bitPattern: $0) })
        if rename(path, aside) != 0 {
            let e = errno
            _ = remove(aside)
            throw failure("move aside", e)
        }
        if rename(temporaryPath, path) != 0 {
            let e = errno
            _ = rename(aside, path)  // put the old output back
            throw failure("rename", e)
        }
        try OutputPath.syncDirectory(parent)
        try? FileManager.default.removeItem(atPath: aside)
    }

    private func failure(_ operation: String, _ e: Int32) -> SafeTensorsError {
        .io(path: path, operation: operation, errno: e, message: String(cString: strerror(e)))
    }

    /// Removes the staged directory (and parents this created, if empty).
    public func abort() {
        guard !done else { return }
        done = true
        try? FileManager.default.removeItem(atPath: temporaryPath)
        if let t = token { SignalCleanup.unregister(t) }
        token = nil
        OutputPath.removeEmpty(createdParents)
    }

    deinit { abort() }
}
