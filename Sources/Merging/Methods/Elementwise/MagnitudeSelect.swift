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
///   engine runs the same passes over chunks and keeps only `MagnitudeThreshold`.
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
        if k == 0 {
            self = .none
            return
        }
        var prefix: UInt64 = 0
        var mask: UInt64 = 0
        var remaining = k
        var histogram = [Int](repeating: 0, count: 256)
        for shift in stride(from: 56, through: 0, by: -8) {
            for d in 0..<256 { histogram[d] = 0 }
            for x in values {
                let b = x.magnitude.bitPattern
                if b & mask == prefix { histogram[Int((b >> UInt64(shift)) & 0xff)] += 1 }
            }
            var digit = 255
            while digit > 0 && histogram[digit] < remaining {
                remaining -= histogram[digit]
                digit -= 1
            }
            prefix |= UInt64(digit) << UInt64(shift)
            mask |= 0xff << UInt64(shift)
        }
        self.init(bits: prefix, keptAtThreshold: remaining)
    }

    public init(bits: UInt64, keptAtThreshold: Int) {
        self.bits = bits
        self.keptAtThreshold = keptAtThreshold
    }

    /// Calls `body(i)` for each kept index in increasing order.
    public func forEachKept(in values: UnsafeBufferPointer<Double>, _ body: (Int) -> Void) {
        var equalLeft = keptAtThreshold
        for (i, x) in values.enumerated() {
            let b = x.magnitude.bitPattern
            if b > bits {
                body(i)
            } else if b == bits && equalLeft > 0 {
                equalLeft -= 1
                body(i)
            }
        }
    }

    /// A mask of the kept elements.
    public func mask(of values: UnsafeBufferPointer<Double>) -> [Bool] {
        var m = [Bool](repeating: false, count: values.count)
        forEachKept(in: values) { m[$0] = true }
        return m
    }
}
