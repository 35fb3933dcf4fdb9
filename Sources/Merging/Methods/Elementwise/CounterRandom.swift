/// Counter-based uniform random numbers for reproducible drops (DARE, DELLA).
///
///     key = mix(mix(mix(seed) ⊕ fnv1a(tensor name)) ⊕ model index)
///     u(i) = top 53 bits of mix(key ⊕ i) · 2⁻⁵³   ∈ [0, 1)
///
/// `mix` is the SplitMix64 finaliser (Steele, Lea, Flood 2014). The value of element `i`
/// depends only on (seed, tensor name, model index, i), never on chunking, threads or the
/// order of calls, so any split of a tensor into chunks drops the same elements.
/// - Complexity: O(1) per element, no state.
public struct CounterRandom: Sendable, Equatable {
    public let key: UInt64

    public init(seed: UInt64, tensor: String, model: Int) {
        key = Self.mix(Self.mix(Self.mix(seed) ^ Self.fnv1a(tensor)) ^ UInt64(model))
    }

    /// Uniform in [0, 1) for element `index`.
    @inline(__always)
    public func uniform(_ index: Int) -> Double {
        Double(Self.mix(key ^ UInt64(truncatingIfNeeded: index)) >> 11) * 0x1p-53
    }

    /// SplitMix64's output function.
    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 64-bit FNV-1a of the UTF-8 bytes (stable across runs, unlike `Hasher`).
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}
