extension Elementwise {
    /// mergekit `della`: magnitude-ranked random drops (MagPrune) within each row, then TIES's
    /// sign election and disjoint combination, scaled by λ.
    ///
    ///     δ'_m = dropByRank(θ_m − base, ρ_m, ε_m, rescale)    p_i = ρ − ε + 2ε·r_i/(C−1)
    ///     out  = base + λ · combine(δ', w, consensus)
    ///
    /// Defaults: `epsilon` 0.15, `rescale` true, `normalize` true, λ = 1.
    /// - Throws: `MergeError.invalidCoefficients` when ρ ± ε leaves (0, 1).
    /// - Complexity: O(M·n log C), C the row length.
    /// - SeeAlso: Deep et al. 2024, DELLA-Merging, §3 (Drop, Elect, Fuse).
    public static func della(_ input: TensorMergeInput, options: TaskVectorOptions = .init())
        throws -> [Double]
    {
        try input.check(method: "della", minModels: 1, needsBase: true)
        return combine(
            base: input.base!, deltas: try dellaDeltas(input, options: options),
            weights: input.parameters.map(\.weight), consensus: true,
            normalize: options.normalize ?? true, lambda: options.lambda)
    }

    static func dellaDeltas(_ input: TensorMergeInput, options: TaskVectorOptions) throws
        -> [[Double]]
    {
        let row = input.shape.last ?? 1
        return try taskVectors(input).enumerated().map { m, d in
            try d.withUnsafeBufferPointer {
                try dropByRank(
                    $0, rowLength: row, density: input.parameters[m].density,
                    epsilon: input.parameters[m].epsilon, rescale: options.rescale ?? true,
                    random: CounterRandom(seed: options.seed, tensor: input.name, model: m),
                    tensor: input.name)
            }
        }
    }
}
