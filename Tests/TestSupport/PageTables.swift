import Foundation

/// This process's page tables, read from `/proc/self/pagemap` (Linux): dropped file pages stay
/// in the page cache, so only the page tables tell a released page from a kept one.
public enum PageTables {
    /// Whether `/proc/self/pagemap` can be read here.
    public static let available = FileManager.default.isReadableFile(atPath: "/proc/self/pagemap")

    public static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Whether each of the `count` pages from the page holding `address` is mapped (bit 63,
    /// "present", of its pagemap entry).
    public static func mapped(_ address: UnsafeRawPointer, pages count: Int) -> [Bool] {
        let fd = open("/proc/self/pagemap", O_RDONLY)
        precondition(fd >= 0, "pagemap")
        defer { close(fd) }
        var entries = [UInt64](repeating: 0, count: count)
        let first = Int(bitPattern: address) / pageSize
        let read = entries.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, first * 8) }
        precondition(read == count * 8, "pagemap read")
        return entries.map { $0 >> 63 == 1 }
    }
}
