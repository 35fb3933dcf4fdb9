extension Elementwise {
    /// mergekit `breadcrumbs_ties`: Breadcrumbs' two-sided magnitude mask, then TIES's sign
    /// election and disjoint combination.
    ///
    ///     δ'_m = keepMiddleMagnitude(θ_m − base, ρ_m, γ_m)
    ///     out  = base + λ · combine(δ', w, consensus)
    ///
    /// Defaults: `gamma` 0.01, `normalize` false, λ = 1.
    /// - Complexity: O(M·n) (two radix selects per model).
    /// - SeeAlso: Davari & Belilovsky 2023; Yadav et al. 2023 steps 2–3.
    public static func breadcrumbsTies(
        _ input: TensorMergeInput, options: TaskVectorOptions = .init()
    ) throws -> [Double] {
        try input.check(method: "breadcrumbs_ties", minModels: 1, needsBase: true)
        return combine(
            base: input.base!, deltas: breadcrumbDeltas(input),
            weights: input.parameters.map(\.weight), consensus: true,
            normalize: options.normalize ?? false, lambda: options.lambda)
    }
}
