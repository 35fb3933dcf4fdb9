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
public final class AtomicFile: ByteSink {
    public let path: String
    public let temporaryPath: String
    private var fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    private var done = false
    public private(set) var bytesWritten = 0

    public init(path: String, bufferSize: Int = 4 << 20) throws {
        self.path = path
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let base = path.split(separator: "/").last.map(String.init) ?? path
        var template = Array("\(dir.isEmpty ? "/" : dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        temporaryPath = String(cString: template.map { UInt8(bitPattern: $0) } + [0])
        self.fd = try posixChecked(fd, "create", path: "\(dir)/.\(base).tmp")
        _ = fchmod(fd, 0o644)
        buffer = .allocate(byteCount: bufferSize, alignment: 64)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
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

    private func flush() throws {
        if used > 0 { try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<used])) }
        used = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            try posixChecked(n, "write", path: temporaryPath)
            offset += n
        }
        bytesWritten += bytes.count
    }

    /// Appends `count` bytes of the file `source` from `offset` with copy_file_range(2)
    /// (in-kernel, no copy through user memory). Returns `false`, having written nothing, when
    /// the kernel or filesystem cannot do it (the caller then copies through memory).
    public func appendFileRange(source: String, offset: Int, count: Int) throws -> Bool {
        try flush()
        let src = open(source, O_RDONLY | O_CLOEXEC)
        if src < 0 { return false }
        defer { close(src) }
        var position = Int64(offset)
        var left = count
        while left > 0 {
            let n = mt_copy_file_range(src, &position, fd, left)
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
                try posixChecked(n, "copy_file_range", path: temporaryPath)
            }
            left -= n
            bytesWritten += n
        }
        return true
    }

    /// Flushes buffered bytes (the file stays open and temporary).
    public func finish() throws { try flush() }

    /// Flushes, closes and renames the file into place.
    public func commit() throws {
        precondition(!done, "commit after commit/abort")
        try flush()
        done = true
        let rc = close(fd)
        fd = -1
        if rc != 0 { unlink(temporaryPath); try posixChecked(rc, "close", path: temporaryPath) }
        if rename(temporaryPath, path) != 0 {
            let e = errno
            unlink(temporaryPath)
            throw SafeTensorsError.io(
                path: path, operation: "rename", errno: e, message: String(cString: strerror(e)))
        }
    }

    /// Removes the temporary file.
    public func abort() {
        guard !done else { return }
        done = true
        close(fd)
        unlink(temporaryPath)
    }

    deinit {
        abort()
        buffer.deallocate()
    }
}
