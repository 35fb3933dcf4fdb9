#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one checking helper for POSIX calls: turns `-1`/`errno` into `SafeTensorsError.io`.
@discardableResult
func posixChecked<T: BinaryInteger>(_ result: T, _ operation: String, path: String) throws -> T {
    if result < 0 {
        throw SafeTensorsError.io(
            path: path, operation: operation, errno: errno,
            message: String(cString: strerror(errno)))
    }
    return result
}

/// The system page size.
let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

/// A read-only memory map of a whole file. Pages are faulted in on access and can be dropped
/// again with `release`, so reading a file front to back keeps resident memory bounded.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws {
        self.path = path
        let fd = try posixChecked(open(path, O_RDONLY | O_CLOEXEC), "open", path: path)
        defer { close(fd) }
        var st = stat()
        try posixChecked(fstat(fd, &st), "stat", path: path)
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw SafeTensorsError.notACheckpoint(path: path, reason: "is a directory")
        }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        if p == MAP_FAILED {
            throw SafeTensorsError.io(
                path: path, operation: "mmap", errno: errno,
                message: String(cString: strerror(errno)))
        }
        _ = madvise(p, size, MADV_SEQUENTIAL)
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    /// Drops the resident pages wholly inside `range` (file offsets). Reading them again
    /// faults them back in from the page cache.
    public func release(_ range: Range<Int>) {
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        let start = (range.lowerBound + pageSize - 1) / pageSize * pageSize
        let end =
            range.upperBound == bytes.count
            ? range.upperBound : range.upperBound / pageSize * pageSize
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    deinit {
        if let b = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: b), bytes.count) }
    }
}

/// Whether two paths name the same file (same device and inode); false if either is missing.
public func sameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat(), sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
}
