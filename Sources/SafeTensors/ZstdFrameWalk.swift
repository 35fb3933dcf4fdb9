#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The decompressed size of a zstd file, summed over its frames' headers, read with `pread`
/// (RFC 8878 §3.1: frame header, then 3-byte block headers, then an optional checksum), so
/// that sizing a large file touches a few bytes per 128 KiB block and maps nothing.
///
/// - Returns: the total content size, or `nil` when a frame does not record it.
/// - Throws: `SafeTensorsError.zstd` for a malformed or truncated stream.
/// - Complexity: one 3-byte read per block; O(1) memory.
enum ZstdFrameWalk {
    static func contentSize(path: String) throws -> Int? {
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
        func bad(_ why: String) -> SafeTensorsError { .zstd(file: path, message: why) }
        func read(_ count: Int, at offset: Int) throws -> [UInt8] {
            guard offset >= 0, offset + count <= size else { throw bad("truncated stream") }
            var out = [UInt8](repeating: 0, count: count)
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            guard n == count else { throw bad("truncated stream") }
            return out
        }
        func le(_ b: [UInt8]) -> UInt64 {
            b.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        var pos = 0
        var total = 0
        var known = true
        if size == 0 { throw bad("empty file") }
        while pos < size {
            let magic = le(try read(4, at: pos))
            if magic & 0xffff_fff0 == 0x184d_2a50 {  // skippable frame
                pos += 8 + Int(le(try read(4, at: pos + 4)))
                continue
            }
            guard magic == 0xfd2f_b528 else { throw bad("not a zstd frame at byte \(pos)") }
            let fhd = try read(1, at: pos + 4)[0]
            let fcsFlag = Int(fhd >> 6)
            let single = fhd & 0x20 != 0
            let checksum = fhd & 0x04 != 0
            let dictBytes = [0, 1, 2, 4][Int(fhd & 3)]
            let fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag]
            let fcsOffset = pos + 5 + (single ? 0 : 1) + dictBytes
            if fcsBytes == 0 {
                known = false
            } else {
                var v = le(try read(fcsBytes, at: fcsOffset))
                if fcsBytes == 2 { v += 256 }
                guard v <= UInt64(Int.max / 4), total <= Int.max / 4 - Int(v) else {
                    throw bad("content size \(v) is too large")
                }
                total += Int(v)
            }
            pos = fcsOffset + fcsBytes
            while true {
                let h = Int(le(try read(3, at: pos)))
                let type = (h >> 1) & 3
                let blockSize = h >> 3
                guard type != 3 else { throw bad("reserved block type at byte \(pos)") }
                pos += 3 + (type == 1 ? 1 : blockSize)
                if h & 1 != 0 { break }
            }
            if checksum { pos += 4 }
            guard pos <= size else { throw bad("truncated stream") }
        }
        return known ? total : nil
    }
}
