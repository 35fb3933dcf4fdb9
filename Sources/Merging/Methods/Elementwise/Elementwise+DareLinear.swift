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
        try input.check(method: "dare_linear", minModels: 1, needsBase: true)
        return combine(
            base: input.base!, deltas: dareDeltas(input, options: options),
            weights: input.parameters.map(\.weight), consensus: false,
            normalize: options.normalize ?? false, lambda: options.lambda)
    }

    static func dareDeltas(_ input: TensorMergeInput, options: TaskVectorOptions) -> [[Double]] {
        taskVectors(input).enumerated().map { m, d in
            var out = [Double](repeating: 0, count: d.count)
            d.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    dropRandom(
                        src, density: input.parameters[m].density,
                        rescale: options.rescale ?? true,
                        random: CounterRandom(seed: options.seed, tensor: input.name, model: m),
                        into: dst)
                }
            }
            return out
        }
    }
}
