import Foundation

extension Elementwise {
    /// mergekit `multislerp`: barycentric interpolation on the hypersphere for M ≥ 2 models,
    /// through the tangent space at the weighted mean direction.
    ///
    ///     v_m = θ_m − base (with a base) else θ_m;  w ← w / Σw when normalizeWeights
    ///     û_m = v_m / (‖v_m‖ + eps);  μ = Σ w_m û_m;  μ̂ = μ / ‖μ‖
    ///     τ_m = û_m − (û_m·μ̂) μ̂;  T = Σ w_m τ_m;  s = ‖T‖ + eps
    ///     out = [μ̂ cos s + T sin(s)/s] · Σ w_m ‖v_m‖  (+ base)
    ///
    /// When ‖μ‖ < eps: two models fall back to Σ w_m v_m (+ base); more models are an error.
    /// - Throws: `MergeError.invalidCoefficients` when the weighted directions cancel (M > 2).
    /// - Complexity: two passes (norms, then mean and tangent dots) plus the combination.
    /// - SeeAlso: Goddard 2025, "Multi-SLERP" (mergekit's definition).
    public static func multislerp(
        _ input: TensorMergeInput, normalizeWeights: Bool = true, eps: Double = 1e-8
    ) throws -> [Double] {
        try input.check(method: "multislerp", minModels: 1, needsBase: false)
        let n = input.count
        let base = input.base.map { Array($0) }
        let v = input.models.map { m in (0..<n).map { m[$0] - (base?[$0] ?? 0) } }
        if v.count == 1 { return Array(input.models[0]) }
        var w = input.parameters.map(\.weight)
        if normalizeWeights {
            let s = w.reduce(0, +)
            w = w.map { $0 / s }
        }
        let norms = v.map { dot($0, $0).squareRoot() }
        let units = zip(v, norms).map { x, nm in x.map { $0 / (nm + eps) } }
        var mean = [Double](repeating: 0, count: n)
        for m in units.indices { for i in 0..<n { mean[i] += w[m] * units[m][i] } }
        let meanNorm = dot(mean, mean).squareRoot()
        var out: [Double]
        if meanNorm < eps {
            if v.count != 2 {
                throw MergeError.invalidCoefficients(
                    reason: "multislerp on '\(input.name)': the weighted directions sum to zero "
                        + "(antipodal models with balancing weights)")
            }
            out = (0..<n).map { w[0] * v[0][$0] + w[1] * v[1][$0] }
        } else {
            mean = mean.map { $0 / meanNorm }
            var tangent = [Double](repeating: 0, count: n)
            for m in units.indices {
                let d = dot(units[m], mean)
                for i in 0..<n { tangent[i] += w[m] * (units[m][i] - d * mean[i]) }
            }
            let s = dot(tangent, tangent).squareRoot() + eps
            let scale = zip(norms, w).reduce(0.0) { $0 + $1.0 * $1.1 }
            out = (0..<n).map { (mean[$0] * cos(s) + tangent[$0] * sin(s) / s) * scale }
        }
        if let base { for i in 0..<n { out[i] += base[i] } }
        return out
    }
}
