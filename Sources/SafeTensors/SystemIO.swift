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

/// What a file type is, for messages: "a FIFO", "a directory", ….
func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFREG: "a regular file"
    case S_IFDIR: "a directory"
    case S_IFIFO: "a FIFO"
    case S_IFSOCK: "a socket"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFLNK: "a symbolic link"
    default: "of unknown type"
    }
}

/// Opens `path` read-only if it is a regular file (symbolic links followed), and returns the
/// descriptor and the file's size. Anything else is refused before a blocking `open`: opening
/// a FIFO for reading waits for a writer, forever, and a device may never end.
///
/// `stat` first; then `open` with `O_NONBLOCK` all the same (the path may change in between:
/// a FIFO swapped in then opens at once instead of blocking), `fstat` of what was opened,
/// and `O_NONBLOCK` cleared again for ordinary reads.
/// - Throws: `.notACheckpoint(path, "is a directory")` for a directory (as before);
///   `.notRegularFile(path, kind)` for a FIFO, socket or device; `.io` when a call fails.
func openRegularFile(_ path: String) throws -> (fd: Int32, size: Int) {
    func refuse(_ mode: mode_t) -> SafeTensorsError {
        (mode & S_IFMT) == S_IFDIR
            ? .notACheckpoint(path: path, reason: "is a directory")
            : .notRegularFile(path: path, kind: fileKind(mode))
    }
    var st = stat()
    try posixChecked(stat(path, &st), "open", path: path)  // ENOENT etc. read as before
    guard (st.st_mode & S_IFMT) == S_IFREG else { throw refuse(st.st_mode) }
    let fd = try posixChecked(open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), "open", path: path)
    do {
        try posixChecked(fstat(fd, &st), "stat", path: path)
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw refuse(st.st_mode) }
        let flags = try posixChecked(fcntl(fd, F_GETFL), "fcntl", path: path)
        try posixChecked(fcntl(fd, F_SETFL, flags & ~O_NONBLOCK), "fcntl", path: path)
    } catch {
        close(fd)
        throw error
    }
    return (fd, Int(st.st_size))
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
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
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

    /// The size of a huge page: the kernel maps a large page-cache folio of a file with one
    /// page-table entry of this size when the mapping is aligned to it (Linux 6.x does align
    /// file mappings this large).
    public static let hugePage = 2 << 20

    /// Drops the resident pages of `range` (file offsets) in whole 2 MiB blocks of the
    /// address space: from the block holding the range's first byte, up to the block holding
    /// its last byte, which is kept unless `throughLast` (the caller reads on from there).
    /// Dropping part of a huge mapping would split it: a TLB flush of every CPU running this
    /// process, then a fault per 4 KiB page; dropping it whole costs one refault at most.
    public func releaseHugePages(_ range: Range<Int>, throughLast: Bool) {
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        let address = Int(bitPattern: base)
        let mask = Self.hugePage - 1
        let lo = max(address, (address + range.lowerBound) & ~mask)
        let last = (address + range.upperBound - 1) & ~mask
        let hi = min(address + bytes.count, throughLast ? last + Self.hugePage : last)
        guard hi > lo else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: lo), hi - lo, MADV_DONTNEED)
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
