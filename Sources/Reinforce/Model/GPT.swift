import Foundation

/// The tiny GPT: a GPT-2 style causal transformer whose parameters live in one contiguous
/// `Float` buffer laid out by `ParameterLayout` (Hugging Face GPT-2 names and shapes).
///
///     x₀ = wte[tok] + wpe[pos]
///     per block: x ← x + attn(ln_1(x));  x ← x + mlp(ln_2(x)),  mlp = c_proj ∘ gelu_new ∘ c_fc
///     logits = ln_f(x) · wteᵀ          (tied output embedding)
///
/// A reference type: trainers update `parameters` in place; `copy()` makes an independent
/// model (e.g. the EMA anchor). Forward/backward are in `GPT+Forward.swift`,
/// `GPT+Backward.swift`; activations live in a `GPTWorkspace`.
/// - SeeAlso: WARP paper §2 (policy π_θ); Radford et al. 2019 (GPT-2).
public final class GPT: @unchecked Sendable {
    public let config: GPTConfig
    public let layout: ParameterLayout
    /// All parameters, `layout.count` floats.
    public let parameters: FloatBuffer

    /// A model initialised like GPT-2: weights N(0, 0.02²), the residual projections
    /// (`attn.c_proj`, `mlp.c_proj`) N(0, (0.02/√(2·layers))²), biases 0, LayerNorm weights 1.
    /// The same seed gives the same weights (normals by Box–Muller from `SeededGenerator`).
    /// - Throws: `ReinforceError.invalidConfig` for impossible sizes.
    public init(config: GPTConfig, seed: UInt64) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config: config)
        parameters = try FloatBuffer(checkedCount: layout.count)
        var rng = SeededGenerator.derived(seed: seed, stream: 0x6770_745F_696E_6974)
        let p = parameters.pointer
        let residualStd = 0.02 / Double(2 * config.layers).squareRoot()
        for e in layout.entries {
            let name = e.name
            if name.hasSuffix(".bias") { continue }
            if name.hasPrefix("ln_f") || name.contains(".ln_") {
                for i in 0..<e.count { p[e.offset + i] = 1 }
                continue
            }
            let std = name.hasSuffix("c_proj.weight") ? residualStd : 0.02
            for i in 0..<e.count { p[e.offset + i] = Float(std * Self.normal(&rng)) }
        }
    }

    /// A model with the given parameter values (count must match the layout).
    init(config: GPTConfig, values: FloatBuffer) {
        self.config = config
        layout = ParameterLayout(config: config)
        precondition(values.count == layout.count, "parameter count mismatch")
        parameters = values
    }

    /// An independent copy (same config, copied parameters).
    public func copy() -> GPT {
        let values = FloatBuffer(count: layout.count)
        values.copy(from: parameters)
        return GPT(config: config, values: values)
    }

    /// Copies the parameters of `other` (same config) into this model.
    public func assign(from other: GPT) {
        precondition(other.config == config, "models have different configs")
        parameters.copy(from: other.parameters)
    }

    /// Number of parameters.
    public var parameterCount: Int { layout.count }

    /// A copy of tensor `name`'s values, or nil for an unknown name.
    public func tensor(_ name: String) -> [Float]? {
        guard let e = layout.entry(name) else { return nil }
        return Array(UnsafeBufferPointer(start: parameters.pointer + e.offset, count: e.count))
    }

    /// One standard normal by Box–Muller (uses two uniforms; deterministic).
    static func normal(_ rng: inout SeededGenerator) -> Double {
        let u1 = max(rng.nextUnit(), 0x1.0p-60)
        let u2 = rng.nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
