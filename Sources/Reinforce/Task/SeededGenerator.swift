/// A small, fast, seeded random number generator (SplitMix64).
///
///     state ← state + 0x9E3779B97F4A7C15
///     z ← state;  z ← (z ⊕ z≫30)·0xBF58476D1CE4E5B9
///     z ← (z ⊕ z≫27)·0x94D049BB133111EB
///     next = z ⊕ z≫31
///
/// The same seed gives the same sequence on every machine, so corpora, prompt orders and
/// sampling are reproducible bit for bit. `derived(_:)` gives independent streams (e.g. the
/// SFT corpus, the evaluation prompts and each run's training prompts) from one seed.
/// - Complexity: O(1) per number, 8 bytes of state.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The whole state: `SeededGenerator(seed: g.state)` continues exactly where `g` is, so a
    /// checkpoint can store it to resume a stream.
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A generator for a separate stream: the seed mixed with a salt naming the stream.
    public static func derived(seed: UInt64, stream salt: UInt64) -> SeededGenerator {
        SeededGenerator(seed: mix(seed ^ mix(salt &+ 0x632B_E59B_D9B4_E019)))
    }

    /// The SplitMix64 output function (a bijection on 64 bits).
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1) from the top 53 bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform index in 0..<n, n > 0, by Lemire's multiply-and-reject (written here so the
    /// draws never depend on the standard library's choice of algorithm).
    public mutating func index(below n: Int) -> Int {
        precondition(n > 0, "index(below:) needs n > 0")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + index(below: range.count)
    }

    /// A uniformly chosen element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T {
        items[index(below: items.count)]
    }
}
