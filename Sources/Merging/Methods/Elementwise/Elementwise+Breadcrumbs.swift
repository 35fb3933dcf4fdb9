extension Elementwise {
    /// mergekit `breadcrumbs`: drop the largest `gamma` fraction and the smallest entries of each
    /// task vector so that `density` remains, then a weighted sum.
    ///
    ///     δ'_m = keepMiddleMagnitude(θ_m − base, ρ_m, γ_m)
    ///     out  = base + λ · Σ w_m δ'_m / (normalize ? Σ w_m : 1)
    ///
    /// Defaults: `gamma` 0.01, `normalize` false, λ = 1.
    /// - Complexity: O(M·n) (two radix selects per model).
    /// - SeeAlso: Davari & Belilovsky 2023, Model Breadcrumbs, §3.
    public static func breadcrumbs(_ input: TensorMergeInput, options: TaskVectorOptions = .init())
        throws -> [Double]
    {
        try input.check(method: "breadcrumbs", minModels: 1, needsBase: true)
        return combine(
            base: input.base!, deltas: breadcrumbDeltas(input),
            weights: input.parameters.map(\.weight), consensus: false,
            normalize: options.normalize ?? false, lambda: options.lambda)
    }

    static func breadcrumbDeltas(_ input: TensorMergeInput) -> [[Double]] {
        taskVectors(input).enumerated().map { m, d in
            d.withUnsafeBufferPointer {
                keepMiddleMagnitude(
                    $0, density: input.parameters[m].density, gamma: input.parameters[m].gamma)
            }
        }
    }
}
