/// The one seeded generator of the tests (SplitMix64, Vigna's splitmix64.c), so every fixture
/// is the same on every run and machine.
///
///     state += γ;  z = state;  z = (z ⊕ z≫30)·c₁;  z = (z ⊕ z≫27)·c₂;  next = z ⊕ z≫31
///
/// The library's `Reinforce.SeededGenerator` is the same sequence; it is the code under test
/// there, so the fixtures of the other modules do not depend on it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1) from the top 53 bits.
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 52) - 1 }

    /// Roughly N(0, 1/3): the mean-free sum of four uniforms, halved.
    public mutating func normalish() -> Double { (0..<4).reduce(0) { s, _ in s + uniform() } / 2 }

    /// Roughly N(0, 1) in `Float`: four `Float.random(in: -1...1)` summed and scaled by 0.866.
    public mutating func gaussian() -> Float {
        var s: Float = 0
        for _ in 0..<4 { s += Float.random(in: -1...1, using: &self) }
        return s * 0.866
    }

    /// Uniform in [-1, 1) on a grid of 1/1000, for values that survive bf16 round trips.
    public mutating func milli() -> Float { Float(Int64(next() >> 11) % 2000 - 1000) / 1000 }
}
