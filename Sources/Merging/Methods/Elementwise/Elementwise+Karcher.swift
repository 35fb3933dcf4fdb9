import Foundation

extension Elementwise {
    /// mergekit `karcher`: the weighted Riemannian (Karcher/Fréchet) mean of the models'
    /// directions on the unit sphere, rescaled by the mean norm. No base model.
    ///
    ///     α_m = 1/M;  û_m = θ_m/‖θ_m‖;  models with ‖θ_m‖ ≤ tol are left out of the direction
    ///     (α renormalised over the rest; all left out → zeros)
    ///     μ₀ = normalise(Σ α_m û_m) (û of the first kept model if that sum is below tol)
    ///     repeat ≤ maxIter: T = Σ α_m · Ω_m/sin Ω_m · (û_m − cos Ω_m · μ), Ω_m = acos(clamp(μ·û_m))
    ///                       (terms with Ω_m < tol skipped); stop when ‖T‖ < tol;
    ///                       μ ← normalise(cos‖T‖ · μ + sin‖T‖ · T/‖T‖)
    ///     out = (Σ_m (1/M)·‖θ_m‖) · μ
    ///
    /// - Parameters: maxIter: mergekit's `max_iter` (10); tol: `tol` (1e-5).
    /// - Complexity: O(maxIter · M · n) time, M unit vectors in memory.
    /// - SeeAlso: Karcher 1977; Buss & Fillmore 2001, Spherical averages (the fixed-point
    ///   iteration).
    public static func karcher(_ input: TensorMergeInput, maxIter: Int = 10, tol: Double = 1e-5)
        throws -> [Double]
    {
        try input.check(method: "karcher", minModels: 1, needsBase: false)
        let n = input.count
        let count = input.models.count
        if count == 1 { return Array(input.models[0]) }
        let alphas = [Double](repeating: 1 / Double(count), count: count)
        let norms = input.models.map { dot($0, $0).squareRoot() }
        let kept = (0..<count).filter { norms[$0] > tol }
        if kept.isEmpty { return [Double](repeating: 0, count: n) }
        let alphaSum = kept.reduce(0.0) { $0 + alphas[$1] }
        let a = kept.map { alphas[$0] / alphaSum }
        let units = kept.map { m in (0..<n).map { input.models[m][$0] / norms[m] } }
        var mean = [Double](repeating: 0, count: n)
        for k in units.indices { for i in 0..<n { mean[i] += a[k] * units[k][i] } }
        let meanNorm = dot(mean, mean).squareRoot()
        mean = meanNorm < tol ? units[0] : mean.map { $0 / meanNorm }
        for _ in 0..<maxIter {
            var tangent = [Double](repeating: 0, count: n)
            for k in units.indices {
                let c = min(1, max(-1, dot(mean, units[k])))
                let omega = acos(c)
                if omega < tol { continue }
                let f = a[k] * omega / sin(omega)
                for i in 0..<n { tangent[i] += f * (units[k][i] - c * mean[i]) }
            }
            let tn = dot(tangent, tangent).squareRoot()
            if tn < tol { break }
            mean = (0..<n).map { cos(tn) * mean[$0] + sin(tn) * tangent[$0] / tn }
            let un = dot(mean, mean).squareRoot()
            if un > tol { mean = mean.map { $0 / un } }
        }
        let scale = zip(alphas, norms).reduce(0.0) { $0 + $1.0 * $1.1 }
        return mean.map { scale * $0 }
    }
}
