extension Elementwise {
    /// mergekit `della_linear`: DELLA's MagPrune drops, then a weighted sum (no sign election).
    ///
    ///     δ'_m = dropByRank(θ_m − base, ρ_m, ε_m, rescale)
    ///     out  = base + λ · Σ w_m δ'_m / (normalize ? Σ w_m : 1)
    ///
    /// Defaults: `epsilon` 0.15, `rescale` true, `normalize` false, λ = 1.
    /// - Throws: `MergeError.invalidCoefficients` when ρ ± ε leaves (0, 1).
    /// - Complexity: O(M·n log C); one write pass, chunks of whole rows.
    /// - SeeAlso: Deep et al. 2024, DELLA-Merging.
    public static func dellaLinear(_ input: TensorMergeInput, options: TaskVectorOptions = .init())
        throws -> [Double]
    {
        try taskVectorMerge(
            input, method: "della_linear", thinning: .rank, consensus: false,
            normalize: options.normalize ?? false, options: options)
    }

    /// The stream behind `dellaLinear(_:options:)`, for the engine.
    public static func dellaLinearStream(_ spec: TensorSpec, options: TaskVectorOptions) throws
        -> any TensorStream
    {
        try TaskVectorStream(
            spec, method: "della_linear", thinning: .rank, consensus: false,
            normalize: options.normalize ?? false, options: options)
    }
}
