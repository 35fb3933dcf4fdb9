extension Elementwise {
    /// mergekit `model_stock`: interpolates between the base and the average of the N models
    /// with the ratio the Model Stock paper derives from the angle between task vectors.
    ///
    ///     δ_m = θ_m − base;  cos = mean over pairs m < l of clamp(δ_m·δ_l / max(‖δ_m‖‖δ_l‖, 1e-6), −1, 1)
    ///     t = N·cos / (1 + (N − 1)·cos);   out = t · (Σ θ_m / N) + (1 − t) · base
    ///
    /// With `filterWise` the ratio is computed per row (last axis; a 1-D tensor is one row).
    /// All-zero task vectors give cos = 0, t = 0, out = base.
    /// - Throws: `MergeError.tooFewModels` below 2 models, `.invalidCoefficients` when
    ///   1 + (N − 1)·cos = 0 (t undefined).
    /// - Complexity: O(N²·n) for the pairwise dots plus O(N·n); elementwise after one
    ///   statistics pass (streams in two passes).
    /// - SeeAlso: Jang et al. 2024, Model Stock, Eq. (2) (t = k·cos θ / (1 + (k − 1)·cos θ)).
    public static func modelStock(_ input: TensorMergeInput, filterWise: Bool = false) throws
        -> [Double]
    {
        try input.check(method: "model_stock", minModels: 2, needsBase: true)
        let base = Array(input.base!)
        let shape = filterWise ? input.shape : []
        let bases = vectors(of: base, shape: shape, lastAxis: true)
        let models = input.models.map { vectors(of: Array($0), shape: shape, lastAxis: true) }
        let n = Double(models.count)
        var rows: [[Double]] = []
        for r in bases.indices {
            let deltas = models.map { m in zip(m[r], bases[r]).map { $0 - $1 } }
            var sum = 0.0
            var pairs = 0
            for a in deltas.indices {
                for b in (a + 1)..<deltas.count {
                    let norms =
                        (dot(deltas[a], deltas[a]).squareRoot()
                            * dot(deltas[b], deltas[b]).squareRoot())
                    sum += min(1, max(-1, dot(deltas[a], deltas[b]) / max(norms, 1e-6)))
                    pairs += 1
                }
            }
            let cos = sum / Double(pairs)
            let denominator = 1 + (n - 1) * cos
            if denominator == 0 {
                throw MergeError.invalidCoefficients(
                    reason: "model_stock on '\(input.name)': mean cosine \(cos) makes "
                        + "1 + (N − 1)·cos zero")
            }
            let t = n * cos / denominator
            rows.append(
                (0..<bases[r].count).map { i in
                    let avg = models.reduce(0.0) { $0 + $1[r][i] } / n
                    return t * avg + (1 - t) * bases[r][i]
                })
        }
        return unvectors(rows, shape: shape, lastAxis: true, count: base.count)
    }
}
