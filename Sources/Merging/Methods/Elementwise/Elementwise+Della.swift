extension Elementwise {
    /// mergekit `della`: magnitude-ranked random drops (MagPrune) within each row, then TIES's
    /// sign election and disjoint combination, scaled by λ.
    ///
    ///     δ'_m = dropByRank(θ_m − base, ρ_m, ε_m, rescale)    p_i = ρ − ε + 2ε·r_i/(C−1)
    ///     out  = base + λ · combine(δ', w, consensus)
    ///
    /// Defaults: `epsilon` 0.15, `rescale` true, `normalize` true, λ = 1.
    /// - Throws: `MergeError.invalidCoefficients` when ρ ± ε leaves (0, 1).
    /// - Complexity: O(M·n log C), C the row length; one write pass (`TaskVectorStream`),
    ///   chunks of whole rows.
    /// - SeeAlso: Deep et al. 2024, DELLA-Merging, §3 (Drop, Elect, Fuse).
    public static func della(_ input: TensorMergeInput, options: TaskVectorOptions = .init())
        throws -> [Double]
    {
        try taskVectorMerge(
            input, method: "della", thinning: .rank, consensus: true,
            normalize: options.normalize ?? true, options: options)
    }

    /// The stream behind `della(_:options:)`, for the engine.
    public static func dellaStream(_ spec: TensorSpec, options: TaskVectorOptions) throws
        -> any TensorStream
    {
        try TaskVectorStream(
            spec, method: "della", thinning: .rank, consensus: true,
            normalize: options.normalize ?? true, options: options)
    }
}
