extension Elementwise {
    /// mergekit `ties`: trim each task vector to its top-`density` magnitudes, elect a sign per
    /// entry by the summed weighted values, and average the agreeing entries (disjoint mean).
    ///
    ///     δ'_m = top_k(θ_m − base), k = ⌊density_m·n⌋   (keepTopMagnitude)
    ///     out  = base + λ · combine(δ', w, consensus)       (see `combine`)
    ///
    /// Defaults: `normalize` true (the disjoint mean), λ = 1. `rescale` does not apply.
    /// - Complexity: O(M·n) (one radix select per model), M thinned task vectors in memory.
    /// - SeeAlso: Yadav et al. 2023, TIES-Merging, Algorithm 1.
    public static func ties(_ input: TensorMergeInput, options: TaskVectorOptions = .init())
        throws -> [Double]
    {
        try input.check(method: "ties", minModels: 1, needsBase: true)
        let deltas = taskVectors(input).enumerated().map { m, d in
            d.withUnsafeBufferPointer {
                keepTopMagnitude($0, density: input.parameters[m].density)
            }
        }
        return combine(
            base: input.base!, deltas: deltas, weights: input.parameters.map(\.weight),
            consensus: true, normalize: options.normalize ?? true, lambda: options.lambda)
    }
}
