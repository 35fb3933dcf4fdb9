/// One tensor's description: name, element type, shape and byte length.
public struct TensorInfo: Sendable, Hashable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// Number of elements (1 for a scalar, 0 when any dimension is 0).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Byte length of the tensor's data (sub-byte types rounded up to whole bytes).
    public var byteCount: Int { dtype.byteCount(elements: elementCount) ?? 0 }
}

/// How a store may be read.
public enum StoreAccess: Sendable, Equatable {
    /// Any byte range, in any order, from several threads at once, at no extra cost (memory-mapped
    /// files, memory, and sharded checkpoints made only of those).
    case randomAccess
    /// Fast only front to back, one reader at a time (zstd streams): read tensors in storage
    /// order from one thread, and `reopen()` the store for a second, independent pass.
    case forwardStream
}

/// One tensor of a store, resolved once: its description, the file its bytes come from and
/// where they sit there, and, for a memory-mapped file, the mapping itself, so hot loops read
/// without a name lookup per chunk.
public struct TensorHandle: @unchecked Sendable {
    /// Name, dtype and shape.
    public let info: TensorInfo
    /// The file holding the bytes (the shard, for a sharded checkpoint), or the store's label.
    public let file: String
    /// The bytes' offsets in `file` (for a stream: in the decompressed file), or
    /// `0..<byteCount` for a store in memory.
    public let byteRange: Range<Int>
    /// The mapping the bytes live in, when they can be read in place for as long as the store
    /// lives (`byteRange` indexes it); `nil` means read through `withBytes`.
    public let mapping: MappedFile?

    public init(info: TensorInfo, file: String, byteRange: Range<Int>, mapping: MappedFile? = nil) {
        self.info = info
        self.file = file
        self.byteRange = byteRange
        self.mapping = mapping
    }

    public var name: String { info.name }
    public var dtype: DType { info.dtype }
    public var shape: [Int] { info.shape }
    public var elementCount: Int { info.elementCount }
    public var byteCount: Int { info.byteCount }

    /// The bytes `range` (relative to the tensor's first byte) in place, when mapped.
    public func mappedBytes(_ range: Range<Int>) -> UnsafeRawBufferPointer? {
        guard let mapping, let base = mapping.bytes.baseAddress else { return nil }
        return UnsafeRawBufferPointer(
            start: base + byteRange.lowerBound + range.lowerBound, count: range.count)
    }

    /// Drops the mapped pages of `range` (relative to the tensor's first byte); a hint.
    public func releaseMapped(_ range: Range<Int>) {
        guard let mapping else { return }
        let lo = byteRange.lowerBound + max(0, range.lowerBound)
        let hi = byteRange.lowerBound + min(range.upperBound, byteRange.count)
        if lo < hi { mapping.release(lo..<hi) }
    }

    /// Drops the mapped pages of `range` (relative to the tensor's first byte) in whole huge
    /// pages (`MappedFile.releaseHugePages`); a hint.
    public func releaseMappedHugePages(_ range: Range<Int>, throughLast: Bool) {
        guard let mapping else { return }
        let lo = byteRange.lowerBound + max(0, range.lowerBound)
        let hi = byteRange.lowerBound + min(range.upperBound, byteRange.count)
        if lo < hi { mapping.releaseHugePages(lo..<hi, throughLast: throughLast) }
    }
}

/// The seam between checkpoints and everything that reads them: a set of named tensors that
/// lends one tensor's bytes (or a byte range of it) at a time.
///
/// A memory-mapped safetensors file, a sharded checkpoint, a zstd-compressed file and an
/// in-memory set of model parameters all conform, so the merge engine and the diagnostics
/// never know where tensors come from.
///
/// Readers should visit tensors in `tensors` order (storage order) where they can: stores that
/// can only stream (zstd) are fastest that way, and mapped files read sequentially.
public protocol TensorStore: AnyObject, Sendable {
    /// A short name for messages (a file or directory path, or a label).
    var label: String { get }
    /// Tensors in storage order.
    var tensors: [TensorInfo] { get }
    /// How the store may be read; readers never ask which concrete store they hold.
    var access: StoreAccess { get }
    /// The `__metadata__` map (empty when absent).
    var metadata: [String: String] { get }
    /// Lends the bytes `range` (relative to the tensor's first byte) of tensor `name`.
    /// The buffer is valid only inside `body`. Throws when `name` is unknown or `range`
    /// is outside the tensor.
    func withBytes<R>(
        of name: String, in range: Range<Int>,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R
    /// The info for `name` (compared by bytes), or `nil`. Stores with an index override it.
    func info(_ name: String) -> TensorInfo?
    /// Tensor `name` resolved once (compared by bytes), or `nil` when the store lacks it.
    func handle(_ name: String) -> TensorHandle?
    /// A second, independent instance over the same bytes (a `.forwardStream` store needs one
    /// per concurrent pass); random-access stores may return themselves.
    func reopen() throws -> any TensorStore
    /// Tells the store the caller is done with `range` of `name` for now, so mapped pages can
    /// be dropped from memory. A hint: reading the range again still works.
    func release(_ name: String, in range: Range<Int>)
}

extension TensorStore {
    public func release(_ name: String, in range: Range<Int>) {}

    /// The file a tensor's bytes come from (the shard, for a sharded checkpoint), for messages.
    public func file(of name: String) -> String { handle(name)?.file ?? label }

    /// Linear search by bytes (never by `String` equality, which normalises Unicode).
    public func info(_ name: String) -> TensorInfo? {
        tensors.first { $0.name.bytesEqual(name) }
    }

    /// Lends all bytes of tensor `name`.
    public func withBytes<R>(
        of name: String, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard let info = info(name) else {
            throw SafeTensorsError.unknownTensor(name: name, file: label)
        }
        return try withBytes(of: name, in: 0..<info.byteCount, body)
    }

    /// A copy of tensor `name`'s bytes.
    public func bytes(of name: String) throws -> [UInt8] {
        try withBytes(of: name) { Array($0.bindMemory(to: UInt8.self)) }
    }

    /// Tensor `name` converted to `Float` (floating dtypes that convert only).
    public func floats(of name: String) throws -> [Float] {
        guard let info = info(name) else {
            throw SafeTensorsError.unknownTensor(name: name, file: label)
        }
        var out = [Float](repeating: 0, count: info.elementCount)
        try withBytes(of: name) { raw in
            try out.withUnsafeMutableBufferPointer {
                try FloatConversion.decode(raw, dtype: info.dtype, into: $0)
            }
        }
        return out
    }
}
