import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fixed-size, zero-initialised buffer of `Float` owned by a class, so hot loops use raw
/// pointers without Swift array copy-on-write checks or per-call allocations.
///
/// Memory comes from `calloc` (zeroed, overflow-checked, pages mapped on first touch); a
/// failed allocation is `ReinforceError.allocationFailed` from `init(checkedCount:)`.
/// - Complexity: one allocation at init; `deinit` frees it.
public final class FloatBuffer: @unchecked Sendable {
    /// Start of the buffer; valid for `count` elements while the buffer is alive.
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// A zeroed buffer of `count` floats.
    /// - Throws: `ReinforceError.allocationFailed` when the memory cannot be had.
    public init(checkedCount count: Int) throws {
        precondition(count >= 0, "negative buffer size")
        guard let raw = calloc(max(count, 1), MemoryLayout<Float>.stride) else {
            throw ReinforceError.allocationFailed(floats: count)
        }
        self.count = count
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// A zeroed buffer of `count` floats; stops the program if the memory cannot be had
    /// (callers whose sizes were checked with `MemoryEstimate` up front).
    public convenience init(count: Int) {
        do {
            try self.init(checkedCount: count)
        } catch {
            fatalError("\(error)")
        }
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { free(pointer) }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// Copies all elements of `other` (same count) into this buffer.
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "buffer sizes differ")
        pointer.update(from: other.pointer, count: count)
    }

    /// The contents as an array (a copy).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}
