import Foundation

/// A `TensorStore` held in memory: tensors as raw little-endian bytes, in insertion order.
///
/// Used by the trainer (model parameters as a store, merged without files) and by tests.
public final class InMemoryStore: TensorStore, @unchecked Sendable {
    public let label: String
    public private(set) var tensors: [TensorInfo] = []
    public var metadata: [String: String]
    private var data: [ExactName: [UInt8]] = [:]
    private var index: [ExactName: Int] = [:]

    public init(label: String = "<memory>", metadata: [String: String] = [:]) {
        self.label = label
        self.metadata = metadata
    }

    /// Adds (or replaces) a tensor from raw bytes; `bytes.count` must equal the info's byte count.
    public func set(_ info: TensorInfo, bytes: [UInt8]) {
        precondition(
            bytes.count == info.byteCount, "byte count does not match shape of \(info.name)")
        if let i = index[ExactName(info.name)] {
            tensors[i] = info
        } else {
            index[ExactName(info.name)] = tensors.count
            tensors.append(info)
        }
        data[ExactName(info.name)] = bytes
    }

    /// Adds (or replaces) a tensor from `Float` values, encoded as `dtype` (round to nearest even).
    public func set(_ name: String, shape: [Int], floats: [Float], dtype: DType = .f32) {
        let info = TensorInfo(name: name, dtype: dtype, shape: shape)
        precondition(info.elementCount == floats.count, "shape does not match values of \(name)")
        var bytes = [UInt8](repeating: 0, count: info.byteCount)
        bytes.withUnsafeMutableBytes { raw in
            floats.withUnsafeBufferPointer { FloatConversion.encode($0, dtype: dtype, into: raw) }
        }
        set(info, bytes: bytes)
    }

    public var access: StoreAccess { .randomAccess }

    public func handle(_ name: String) -> TensorHandle? {
        info(name).map { TensorHandle(info: $0, file: label, byteRange: 0..<$0.byteCount) }
    }

    /// Itself: memory is read at any offset by any number of threads.
    public func reopen() throws -> any TensorStore { self }

    public func info(_ name: String) -> TensorInfo? {
        index[ExactName(name)].map { tensors[$0] }
    }

    public func withBytes<R>(
        of name: String, in range: Range<Int>,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard let bytes = data[ExactName(name)] else {
            throw SafeTensorsError.unknownTensor(name: name, file: label)
        }
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else {
            throw SafeTensorsError.rangeOutOfBounds(
                tensor: name, file: label, begin: range.lowerBound, end: range.upperBound,
                size: bytes.count)
        }
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }
}
