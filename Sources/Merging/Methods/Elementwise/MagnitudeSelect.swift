/// Exact top-k selection by magnitude with a radix select over the bits of `|x|`.
///
/// Order (the tie rule every magnitude method here uses): element `i` outranks element `j`
/// when `|x_i| > |x_j|`, or when `|x_i| = |x_j|` and `i < j`. So among equal magnitudes at the
/// threshold the lower indices are kept; the selection is deterministic and exactly `k`
/// elements. `-0.0` and `+0.0` are equal (the sign bit is cleared before comparing).
///
/// For finite non-negative doubles the IEEE-754 bit pattern orders like the value, so the
/// k-th largest magnitude is found digit by digit: 8 passes, each a 256-bin histogram of one
/// byte among the elements that share the prefix found so far.
///
/// - Complexity: O(8·n) time (at most 8 passes over the input), O(1) extra memory. A streaming
///   engine runs the same passes over chunks with `Builder` and applies the result with
///   `Cursor`, keeping only 16 bytes per model between passes.
public struct MagnitudeThreshold: Sendable, Equatable {
    /// Bit pattern of `|x|` of the k-th ranked element (`UInt64.max` when k = 0).
    public var bits: UInt64
    /// How many elements with exactly that magnitude are kept (the first ones by index).
    public var keptAtThreshold: Int

    /// Keeps nothing.
    public static let none = MagnitudeThreshold(bits: .max, keptAtThreshold: 0)

    /// The threshold keeping the `k` highest-ranked elements of `values`.
    /// - Precondition: `0 <= k <= values.count`; values are finite.
    public init(topK k: Int, of values: UnsafeBufferPointer<Double>) {
        precondition(k >= 0 && k <= values.count, "k out of range")
        var builder = Builder(topK: k)
        while builder.threshold == nil {
            builder.add(values)
            builder.endPass()
        }
        self = builder.threshold!
    }

    /// The radix select over a stream: feed every chunk of the tensor once per pass (any
    /// chunking, any order), call `endPass()`, and repeat until `threshold` is set (at most 8
    /// passes; none when k = 0). Memory: one 256-bin histogram.
    public struct Builder: Sendable {
        private var prefix: UInt64 = 0
        private var mask: UInt64 = 0
        private var remaining: Int
        private var shift: UInt64 = 56
        private var histogram = [Int](repeating: 0, count: 256)
        /// Set once the k-th element is found.
        public private(set) var threshold: MagnitudeThreshold?
        /// Once `threshold` is set: how many elements have exactly its magnitude (kept or not).
        public private(set) var equalCount = 0

        /// - Precondition: `k >= 0` and no larger than the number of elements streamed.
        public init(topK k: Int) {
            precondition(k >= 0)
            remaining = k
            if k == 0 { threshold = MagnitudeThreshold.none }
        }

        /// Counts one chunk in the current pass.
        public mutating func add(_ chunk: UnsafeBufferPointer<Double>) {
            guard threshold == nil else { return }
            for x in chunk {
                let b = x.magnitude.bitPattern
                if b & mask == prefix { histogram[Int((b >> shift) & 0xff)] += 1 }
            }
        }

        /// Counts one magnitude bit pattern (`|x|.bitPattern`) of the current pass into an
        /// outside 256-bin `histogram` (one per chunk, so chunks can be counted in parallel).
        @inline(__always)
        public func count(_ bits: UInt64, into histogram: UnsafeMutablePointer<Double>) {
            if bits & mask == prefix { histogram[Int((bits >> shift) & 0xff)] += 1 }
        }

        /// Adds an outside histogram filled by `count(_:into:)` to this pass's counts.
        public mutating func add(histogram: UnsafeBufferPointer<Double>) {
            for d in 0..<256 { self.histogram[d] += Int(histogram[d]) }
        }

        /// Fixes the next byte of the threshold from this pass's histogram.
        public mutating func endPass() {
            guard threshold == nil else { return }
            var digit = 255
            while digit > 0 && histogram[digit] < remaining {
                remaining -= histogram[digit]
                digit -= 1
            }
            precondition(histogram[digit] >= remaining, "k exceeds the number of elements")
            prefix |= UInt64(digit) << shift
            mask |= 0xff << shift
            let equal = histogram[digit]
            for d in 0..<256 { histogram[d] = 0 }
            if shift == 0 {
                equalCount = equal
                threshold = MagnitudeThreshold(bits: prefix, keptAtThreshold: remaining)
            } else {
                shift -= 8
            }
        }
    }

    /// Applies a threshold to the elements in index order, chunk after chunk.
    public struct Cursor: Sendable {
        public let bits: UInt64
        private var equalLeft: Int

        public init(_ threshold: MagnitudeThreshold) {
            bits = threshold.bits
            equalLeft = threshold.keptAtThreshold
        }

        /// A cursor starting inside the tensor, after `equalsBefore` elements of exactly the
        /// threshold's magnitude (so a chunk applies the threshold as the whole pass would).
        public init(_ threshold: MagnitudeThreshold, equalsBefore: Int) {
            bits = threshold.bits
            equalLeft = max(0, threshold.keptAtThreshold - equalsBefore)
        }

        /// Whether the next element (in index order) is kept.
        @inline(__always)
        public mutating func keeps(_ x: Double) -> Bool {
            let b = x.magnitude.bitPattern
            if b > bits { return true }
            if b == bits && equalLeft > 0 {
                equalLeft -= 1
                return true
            }
            return false
        }
    }

    public init(bits: UInt64, keptAtThreshold: Int) {
        self.bits = bits
        self.keptAtThreshold = keptAtThreshold
    }

    /// Calls `body(i)` for each kept index in increasing order.
    public func forEachKept(in values: UnsafeBufferPointer<Double>, _ body: (Int) -> Void) {
        var cursor = Cursor(self)
        for (i, x) in values.enumerated() where cursor.keeps(x) { body(i) }
    }

    /// A mask of the kept elements.
    public func mask(of values: UnsafeBufferPointer<Double>) -> [Bool] {
        var m = [Bool](repeating: false, count: values.count)
        forEachKept(in: values) { m[$0] = true }
        return m
    }
}
