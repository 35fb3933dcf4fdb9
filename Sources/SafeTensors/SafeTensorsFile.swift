/// One `.safetensors` file, memory-mapped, header parsed and validated at open; tensor data is
/// not touched until it is lent.
///
/// - Complexity: opening reads the header only; `withBytes` is zero-copy.
public final class SafeTensorsFile: TensorStore, @unchecked Sendable {
    public let path: String
    public let header: Header
    public let map: MappedFile
    /// File offset of the data buffer.
    public let dataStart: Int
    private let index: [ExactName: Int]

    public var label: String { path }
    public let tensors: [TensorInfo]
    public var metadata: [String: String] { header.metadata }

    public init(path: String) throws {
        self.path = path
        map = try MappedFile(path: path)
        do {
            header = try Header(parsing: map.bytes, name: path)
        } catch let error as SafeTensorsError {
            // Only a file that is not safetensors is looked at again: a valid header of
            // 640 bytes also starts with 0x80 0x02.
            if Self.looksLikePickle(map.bytes) {
                throw SafeTensorsError.pickleCheckpoint(path: path)
            }
            throw error
        }
        dataStart = map.bytes.count - header.dataSize
        var index: [ExactName: Int] = [:]
        for (i, e) in header.entries.enumerated() { index[ExactName(e.info.name)] = i }
        self.index = index
        tensors = header.entries.map(\.info)
    }

    /// Whether `bytes` start like a PyTorch checkpoint: a zip archive (`PK\x03\x04`,
    /// `torch.save` since 1.6) or a raw pickle (0x80, protocol 2…5: the legacy format), and
    /// byte 8, where a safetensors header's JSON starts, is neither `{` nor JSON whitespace.
    static func looksLikePickle(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 4 else { return false }
        let zip = bytes[0] == 0x50 && bytes[1] == 0x4b && bytes[2] == 0x03 && bytes[3] == 0x04
        let pickle = bytes[0] == 0x80 && (2...5).contains(bytes[1])
        let json = bytes.count > 8 && [0x7b, 0x20, 0x09, 0x0a, 0x0d].contains(bytes[8])
        return (zip || pickle) && !json
    }

    public var access: StoreAccess { .randomAccess }

    public func handle(_ name: String) -> TensorHandle? {
        guard let e = entry(name) else { return nil }
        return TensorHandle(
            info: e.info, file: path, byteRange: (dataStart + e.begin)..<(dataStart + e.end),
            mapping: map)
    }

    /// Itself: a mapped file is read at any offset by any number of threads.
    public func reopen() throws -> any TensorStore { self }

    public func entry(_ name: String) -> Header.Entry? {
        index[ExactName(name)].map { header.entries[$0] }
    }

    public func info(_ name: String) -> TensorInfo? { entry(name)?.info }

    /// File offsets of tensor `name`'s bytes.
    public func fileRange(of name: String) throws -> Range<Int> {
        guard let e = entry(name) else {
            throw SafeTensorsError.unknownTensor(name: name, file: path)
        }
        return (dataStart + e.begin)..<(dataStart + e.end)
    }

    public func withBytes<R>(
        of name: String, in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let r = try fileRange(of: name)
        guard range.lowerBound >= 0, range.upperBound <= r.count else {
            throw SafeTensorsError.rangeOutOfBounds(
                tensor: name, file: path, begin: range.lowerBound, end: range.upperBound,
                size: r.count)
        }
        let lo = r.lowerBound + range.lowerBound
        return try body(UnsafeRawBufferPointer(rebasing: map.bytes[lo..<(lo + range.count)]))
    }

    public func release(_ name: String, in range: Range<Int>) {
        guard let r = try? fileRange(of: name) else { return }
        map.release(
            (r.lowerBound + range.lowerBound)..<(r.lowerBound + min(range.upperBound, r.count)))
    }
}
