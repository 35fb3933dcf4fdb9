import CSafeTensors

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif

/// A byte destination: files, and compressors that wrap them.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Flushes everything buffered; the sink is unusable afterwards.
    func finish() throws
}

/// A file written under a temporary name beside its final path and renamed into place by
/// `commit()`; `abort()` (or deinit without commit) removes it, so a failed run never leaves a
/// partial file at the final path. Writes are buffered (4 MiB) and retried on partial writes.
///
/// The temporary is `.NAME.tmp-<pid>-<start>-<boot>-XXXXXX` (see `StaleTemporaries`; stale
/// ones of dead writers in the directory are removed first) and is registered with
/// `SignalCleanup` until committed or removed. `commit()` is durable: fsync of the file, rename,
/// fsync of the directory. A file-size limit or full disk is an `.io` error (EFBIG, ENOSPC),
/// after which the temporary is removed.
///
/// Where the filesystem allows it, full buffers are written with O_DIRECT (`directBlock`-aligned
/// offsets and lengths from an aligned buffer): a large output then costs no copy into the page
/// cache and no writeback at `commit` (its fsync only flushes the device), which on a loaded
/// machine is most of the time of writing it. The first write that cannot be direct (the last
/// unaligned bytes, an in-kernel copy, a filesystem refusing it) turns direct I/O off for the
/// rest of the file. The bytes are the same either way; a file written directly is simply not
/// in the page cache afterwards.
public final class AtomicFile: ByteSink {
    public let path: String
    public let temporaryPath: String
    private let directory: String
    private var fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    private var done = false
    private var token: SignalCleanup.Token?
    public private(set) var bytesWritten = 0
    /// Counts the in-kernel copies (`appendFileRange`'s copy_file_range calls), when set.
    public var copyCounter: CopyCounter?
    /// Whether every byte so far went out by aligned O_DIRECT writes (see the type's doc).
    private var direct = false
    /// Bytes written with O_DIRECT (a multiple of `directBlock`): for tests and benchmarks.
    public private(set) var bytesWrittenDirectly = 0
    /// The alignment of direct writes (offset, length, address): the usual page and block size.
    static let directBlock = 4096

    /// - Parameter path: the final path; its directory must exist.
    /// - Throws: `.outputNotReplaceable` for `/`, `.` or `..`; `.io` when the temporary cannot
    ///   be created.
    public init(path: String, bufferSize: Int = 4 << 20) throws {
        self.path = path
        let (dir, base) = try OutputPath.split(path)
        directory = dir
        StaleTemporaries.removeStale(in: dir)
        var template = Array(StaleTemporaries.template(dir: dir, base: base).utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        temporaryPath = String(cString: template.map { UInt8(bitPattern: $0) })
        self.fd = try posixChecked(fd, "create", path: path)
        token = SignalCleanup.registerIfHandled(temporary: temporaryPath)
        _ = fchmod(fd, 0o644)
        let size = max(Self.directBlock, bufferSize / Self.directBlock * Self.directBlock)
        buffer = .allocate(byteCount: size, alignment: Self.directBlock)
        direct = mt_set_direct_io(fd, 1) == 0
    }

    /// Writes `bytes` to `path` through a temporary (creating missing parent directories),
    /// durably; for small user-visible files such as figures.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let created = try OutputPath.createDirectories(try OutputPath.split(path).dir)
        do {
            let file = try AtomicFile(path: path)
            try bytes.withUnsafeBytes { try file.write($0) }
            try file.commit()
        } catch {
            OutputPath.removeEmpty(created)
            throw error
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        // direct: everything is gathered into the aligned buffer, written when full
        var rest = bytes
        while direct, !rest.isEmpty {
            let n = min(rest.count, buffer.count - used)
            UnsafeMutableRawBufferPointer(rebasing: buffer[used..<(used + n)]).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: rest[0..<n]))
            used += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            if used == buffer.count { try flush() }
        }
        if rest.isEmpty { return }
        let bytes = rest
        // large writes skip the buffer (one copy fewer); small ones are gathered
        if bytes.count >= buffer.count / 4 {
            try flush()
            try writeAll(bytes)
            return
        }
        if used + bytes.count > buffer.count { try flush() }
        UnsafeMutableRawBufferPointer(rebasing: buffer[used..<(used + bytes.count)]).copyMemory(
            from: bytes)
        used += bytes.count
    }

    /// Writes the buffer out. When direct, a full buffer stays direct; otherwise the aligned
    /// part is written directly and the rest after turning direct I/O off for good.
    private func flush() throws {
        var start = 0
        if direct {
            let aligned = used / Self.directBlock * Self.directBlock
            start = try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<aligned]))
            if start < used { endDirect() }
        }
        if start < used { _ = try writeAll(UnsafeRawBufferPointer(rebasing: buffer[start..<used])) }
        used = 0
    }

    /// Leaves direct I/O for the rest of the file (from an aligned offset, so plain writes
    /// continue where the direct ones stopped).
    private func endDirect() {
        guard direct else { return }
        direct = false
        _ = mt_set_direct_io(fd, 0)
    }

    /// Writes all of `bytes`; returns their count. A direct write the filesystem refuses
    /// (EINVAL: an alignment it does not take) or leaves short ends direct I/O and goes on
    /// with plain writes.
    @discardableResult
    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EINVAL && direct {
                endDirect()
                continue
            }
            try posixChecked(n, "write", path: path)
            if direct { bytesWrittenDirectly += n }
            if direct && n < bytes.count - offset { endDirect() }
            offset += n
        }
        bytesWritten += bytes.count
        return bytes.count
    }

    /// Appends `count` bytes of the file `source` from `offset` with copy_file_range(2)
    /// (in-kernel, no copy through user memory). Returns `false`, having written nothing, when
    /// the kernel or filesystem cannot do it (the caller then copies through memory).
    public func appendFileRange(source: String, offset: Int, count: Int) throws -> Bool {
        try flush()
        endDirect()
        let src = open(source, O_RDONLY | O_CLOEXEC)
        if src < 0 { return false }
        defer { close(src) }
        var position = Int64(offset)
        var left = count
        while left > 0 {
            let n = mt_copy_file_range(src, &position, fd, left)
            copyCounter?.record(bytes: max(0, n))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                let e = errno
                if left == count && [ENOSYS, EXDEV, EINVAL, EOPNOTSUPP, EBADF, EPERM].contains(e) {
                    return false
                }
                if n == 0 {
                    throw SafeTensorsError.io(
                        path: source, operation: "copy", errno: 0, message: "unexpected end of file"
                    )
                }
                try posixChecked(n, "copy_file_range", path: path)
            }
            left -= n
            bytesWritten += n
        }
        return true
    }

    /// Flushes buffered bytes (the file stays open and temporary).
    public func finish() throws { try flush() }

    /// Flushes, fsyncs, closes and renames the file into place, then fsyncs the directory.
    /// On failure the temporary is removed and `path` is unchanged.
    public func commit() throws {
        precondition(!done, "commit after commit/abort")
        do {
            try flush()
            try WriteFaults.reach(.fileSync, temporaryPath)
            while fsync(fd) != 0 {
                if errno != EINTR { try posixChecked(Int32(-1), "fsync", path: path) }
            }
            let rc = close(fd)
            fd = -1
            try posixChecked(rc, "close", path: path)
            try WriteFaults.reach(.fileRename, temporaryPath)
            if rename(temporaryPath, path) != 0 {
                let e = errno
                throw SafeTensorsError.io(
                    path: path, operation: "rename", errno: e,
                    message: String(cString: strerror(e)))
            }
        } catch {
            abort()
            throw error
        }
        done = true
        if let t = token { SignalCleanup.unregister(t) }
        token = nil
        try OutputPath.syncDirectory(directory)
    }

    /// Removes the temporary file.
    public func abort() {
        guard !done else { return }
        done = true
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporaryPath)
        if let t = token { SignalCleanup.unregister(t) }
        token = nil
    }

    deinit {
        abort()
        buffer.deallocate()
    }
}

/// Counts in-kernel copies (copy_file_range calls and their bytes): injected into writers by
/// tests and benchmarks to check that contiguous tensors are copied as one range.
public final class CopyCounter: @unchecked Sendable {
    public private(set) var calls = 0
    public private(set) var bytes = 0
    public init() {}
    func record(bytes n: Int) {
        calls += 1
        bytes += n
    }
}
