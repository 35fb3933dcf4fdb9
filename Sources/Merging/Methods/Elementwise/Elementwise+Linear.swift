extension Elementwise {
    /// mergekit `linear` (model soups): a weighted average of the models.
    ///
    ///     out = Σ w_m θ_m / (normalize ? Σ w_m : 1)
    ///
    /// The base model, if any, takes part only as one of `input.models`.
    /// - Parameter normalize: mergekit's `normalize`, default `true`.
    /// - Throws: `MergeError.invalidCoefficients` when normalising weights that sum to 0.
    /// - Complexity: O(M·n) time, elementwise (streams by chunk), one output tensor.
    /// - SeeAlso: Wortsman et al. 2022, Model Soups, uniform/weighted soup.
    public static func linear(_ input: TensorMergeInput, normalize: Bool = true) throws -> [Double]
    {
        try input.check(method: "linear", minModels: 1, needsBase: false)
        let w = input.parameters.map(\.weight)
        let total = w.reduce(0, +)
        if normalize && total == 0 {
            throw MergeError.invalidCoefficients(
                reason: "linear on '\(input.name)': weights sum to 0 and cannot be normalised")
        }
        let scale = normalize ? 1 / total : 1
        var out = [Double](repeating: 0, count: input.count)
        for (m, model) in input.models.enumerated() {
            for i in 0..<out.count { out[i] += w[m] * model[i] }
        }
        if scale != 1 { for i in 0..<out.count { out[i] *= scale } }
        return out
    }
}
