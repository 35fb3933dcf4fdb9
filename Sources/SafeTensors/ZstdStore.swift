import CZstd
import Foundation

/// A `TensorStore` over a `.safetensors.zst` file: one zstd stream (one or more frames) of a
/// plain safetensors file, decompressed on demand.
///
/// Decompression runs forward as byte ranges are requested, into a window that keeps the
/// requested range plus up to `cacheBytes` behind it; a request before the window restarts the
/// stream from the top. Reading tensors in storage order (chunk by chunk) therefore costs one
/// decompression pass and memory bounded by the chunk size plus the cache; a second pass over
/// recently read ranges (within `cacheBytes`) is served from the window.
///
/// The decompressed size comes from the frame headers (`ZSTD_findDecompressedSize`); when a
/// frame does not record it, one counting pass runs at open. The header is then validated
/// exactly like a plain file's.
///
/// Thread safety: calls are serialised by a lock; `body` runs under it, so it must not call
/// back into the same store.
/// - Complexity: open decompresses the header only (plus one pass without recorded sizes);
///   in-order reads are O(file) in total, memory O(chunk + cacheBytes).
public final class ZstdStore: TensorStore, @unchecked Sendable {
    public let path: String
    public let header: Header
    /// Size of the decompressed (plain) file.
    public let plainSize: Int
    /// Offset of the data buffer in the plain file.
    public let dataStart: Int
    public let cacheBytes: Int
    private let compressed: CompressedInput
    private var stream: DecompressionWindow
    private let index: [ExactName: Int]
    private let lock = NSLock()

    public var label: String { path }
    public let tensors: [TensorInfo]
    public var metadata: [String: String] { header.metadata }

    /// Opens the compressed file at `path` (memory-mapped).
    public convenience init(path: String, cacheBytes: Int = 32 << 20) throws {
        try self.init(
            input: CompressedInput(file: try MappedFile(path: path)), label: path,
            cacheBytes: cacheBytes)
    }

    /// A store over compressed bytes held in memory (a copy of `compressed`); `label` names
    /// it in messages.
    public convenience init(compressed: [UInt8], label: String, cacheBytes: Int = 32 << 20) throws {
        try self.init(
            input: CompressedInput(copying: compressed), label: label, cacheBytes: cacheBytes)
    }

    init(input: CompressedInput, label path: String, cacheBytes: Int) throws {
        self.path = path
        self.cacheBytes = cacheBytes
        compressed = input
        let size = try ZstdStore.decompressedSize(compressed, path: path, file: input.filePath)
        plainSize = size
        stream = try DecompressionWindow(input: compressed, label: path)
        let prefix = try stream.lend(0..<min(8, size), keepBehind: 0)
        let n = try Header.length(prefix: prefix, fileSize: size, file: path)
        let json = try stream.lend(8..<(8 + n), keepBehind: 0)
        header = try Header(json: json, dataSize: size - 8 - n, file: path)
        dataStart = 8 + n
        var index: [ExactName: Int] = [:]
        for (i, e) in header.entries.enumerated() { index[ExactName(e.info.name)] = i }
        self.index = index
        tensors = header.entries.map(\.info)
    }

    /// Restarts of the decompression stream so far, and the window's size in bytes.
    var streamStats: (restarts: Int, windowBytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (stream.restarts, stream.capacity)
    }

    public var access: StoreAccess { .forwardStream }

    public func handle(_ name: String) -> TensorHandle? {
        index[ExactName(name)].map {
            let e = header.entries[$0]
            return TensorHandle(
                info: e.info, file: path, byteRange: (dataStart + e.begin)..<(dataStart + e.end))
        }
    }

    /// A second store over the same compressed bytes (shared, read only) with a decompression
    /// stream of its own, so two passes each read forward.
    public func reopen() throws -> any TensorStore {
        try ZstdStore(input: compressed, label: path, cacheBytes: cacheBytes)
    }

    public func info(_ name: String) -> TensorInfo? {
        index[ExactName(name)].map { header.entries[$0].info }
    }

    public func withBytes<R>(
        of name: String, in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard let i = index[ExactName(name)] else {
            throw SafeTensorsError.unknownTensor(name: name, file: path)
        }
        let e = header.entries[i]
        guard range.lowerBound >= 0, range.upperBound <= e.end - e.begin else {
            throw SafeTensorsError.rangeOutOfBounds(
                tensor: name, file: path, begin: range.lowerBound, end: range.upperBound,
                size: e.end - e.begin)
        }
        let lo = dataStart + e.begin + range.lowerBound
        lock.lock()
        defer { lock.unlock() }
        let bytes = try stream.lend(lo..<(lo + range.count), keepBehind: cacheBytes)
        return try body(bytes)
    }

    /// The plain size recorded in the frame headers, or counted by decompressing once.
    static func decompressedSize(_ file: CompressedInput, path: String, file filePath: String?)
        throws -> Int
    {
        if let p = filePath {  // headers read with pread: the mapping stays untouched
            if let n = try ZstdFrameWalk.contentSize(path: p) { return n }
            var counter = try DecompressionWindow(input: file, label: path)
            return try counter.countToEnd()
        }
        guard let base = file.bytes.baseAddress, file.bytes.count > 0 else {
            throw SafeTensorsError.zstd(file: path, message: "empty file")
        }
        // Walk the frames: each records its content size (or not) in its header.
        var pos = 0
        var total = 0
        var known = true
        while pos < file.bytes.count {
            let size = ZSTD_getFrameContentSize(base + pos, file.bytes.count - pos)
            if size == ZSTD_CONTENTSIZE_ERROR {
                throw SafeTensorsError.zstd(file: path, message: "not a zstd stream at byte \(pos)")
            }
            let frame = ZSTD_findFrameCompressedSize(base + pos, file.bytes.count - pos)
            if ZSTD_isError(frame) != 0 {
                throw SafeTensorsError.zstd(
                    file: path,
                    message: "frame at byte \(pos): " + String(cString: ZSTD_getErrorName(frame)))
            }
            if size == ZSTD_CONTENTSIZE_UNKNOWN {
                known = false
            } else {
                guard let n = Int(exactly: size), n <= Int.max / 4 - total else {
                    throw SafeTensorsError.zstd(
                        file: path, message: "content size \(size) is too large")
                }
                total += n
            }
            pos += frame
        }
        // The walk touched every block header: drop those pages again.
        file.release(0..<file.bytes.count)
        if known { return total }
        var counter = try DecompressionWindow(input: file, label: path)
        return try counter.countToEnd()
    }
}
