/// The seeds of a WARP run, each a hash of (loop seed s, iteration i, run m, role), so two
/// loop seeds share no run (issue 13: `seed + 1000·i + m` made run 2 of `--seed 0` equal run 1
/// of `--seed 1`).
///
///     h₀ = mix(s ⊕ role),  h₁ = mix(h₀ + γ + i),  seed = mix(h₁ + γ + m)
///
/// with `mix` the SplitMix64 finaliser (a bijection of UInt64) and γ = 0x9E3779B97F4A7C15. For
/// one (s, role), distinct (i, m) give distinct seeds (each step is injective in its field);
/// across (s, role) a collision has probability about 2⁻⁶⁴ per pair.
/// - SeeAlso: Steele, Lea, Flood, "Fast splittable pseudorandom number generators" (2014).
public struct WarpSeeds: Sendable, Equatable {
    /// What a seed is for. Raw values are arbitrary distinct constants (part of the format:
    /// changing one changes every run).
    public enum Role: UInt64, CaseIterable, Sendable {
        /// The sampling generator of a WARP run (iteration i, run m).
        case runSampling = 0x5241_4E44_5255_4E53
        /// The training prompt order of a WARP run.
        case runPrompts = 0x5052_4F4D_5054_5353
        /// The sampling generator of SFT-anchored baseline k (i = 0, m = k).
        case baselineSampling = 0x4241_5345_5341_4D50
        /// The training prompt order of baseline k.
        case baselinePrompts = 0x4241_5345_5052_4F4D
        /// The held-out evaluation draws (i = 0, m = 0): common to every policy of the run.
        case evaluation = 0x4556_414C_5541_5445
    }

    /// The loop's `--seed`.
    public let seed: UInt64

    public init(_ seed: UInt64) { self.seed = seed }

    /// The seed of `role` for run `m` of iteration `i`.
    public func seed(_ role: Role, iteration i: Int, run m: Int) -> UInt64 {
        let h0 = Self.mix(seed ^ role.rawValue)
        let h1 = Self.mix(h0 &+ Self.gamma &+ UInt64(truncatingIfNeeded: i))
        return Self.mix(h1 &+ Self.gamma &+ UInt64(truncatingIfNeeded: m))
    }

    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The SplitMix64 finaliser (`SeededGenerator.mix`): a bijection with full avalanche.
    static func mix(_ x: UInt64) -> UInt64 { SeededGenerator.mix(x) }
}
