extension Elementwise {
    /// mergekit `dare_linear`: random drop-and-rescale of each task vector, then a weighted sum.
    ///
    ///     δ'_m,i = (θ_m,i − base_i) · [u_m,i < ρ_m] / ρ_m     (dropRandom, u from CounterRandom)
    ///     out    = base + λ · Σ w_m δ'_m / (normalize ? Σ w_m : 1)
    ///
    /// Defaults: `rescale` true, `normalize` false, λ = 1. Reproducible: u depends only on
    /// (seed, tensor name, model index, element index).
    /// - Complexity: O(M·n), elementwise (streams by chunk).
    /// - SeeAlso: Yu et al. 2023, Language Models are Super Mario, §3 (DARE).
    public static func dareLinear(_ input: TensorMergeInput, options: TaskVectorOptions = .init())
        throws -> [Double]
    {
        try taskVectorMerge(
            input, method: "dare_linear", thinning: .random, consensus: false,
            normalize: options.normalize ?? false, options: options)
    }

    /// The stream behind `dareLinear(_:options:)`, for the engine.
    public static func dareLinearStream(_ spec: TensorSpec, options: TaskVectorOptions) throws
        -> any TensorStream
    {
        try TaskVectorStream(
            spec, method: "dare_linear", thinning: .random, consensus: false,
            normalize: options.normalize ?? false, options: options)
    }
}
