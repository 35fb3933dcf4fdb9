import Foundation

extension Elementwise {
    /// mergekit `nuslerp`: slerp of two models (or, with a base, of their task vectors) with
    /// `t` from the two weights.
    ///
    ///     t = w₂ / (w₁ + w₂)  (0.5 when |w₁ + w₂| < 1e-6)
    ///     v_m = θ_m − base with a base, else θ_m;  û = v / max(‖v‖, 1e-7)
    ///     Ω = acos(clamp(û₁·û₂, −1, 1))
    ///     |sin Ω| < 1e-8: r = (1 − t)·v₁ + t·v₂;  else r = (sin((1 − t)Ω)·v₁ + sin(tΩ)·v₂) / sin Ω
    ///     out = base + r (with a base), else r
    ///
    /// Vectors: the whole tensor when `flatten` (default); otherwise one per slice along the
    /// last axis (each row of a matrix), or along the first axis (each column) when `rowWise`
    /// — the axes mergekit's implementation uses (dim −1, or dim 0 when row-wise).
    /// - Throws: `MergeError.invalidCoefficients` unless exactly two models.
    /// - Complexity: two passes (norms and dots per vector, then the combination).
    public static func nuslerp(
        _ input: TensorMergeInput, flatten: Bool = true, rowWise: Bool = false
    )
        throws -> [Double]
    {
        try input.check(method: "nuslerp", minModels: 2, needsBase: false)
        if input.models.count != 2 {
            throw MergeError.invalidCoefficients(
                reason: "nuslerp needs exactly 2 models besides the base, got \(input.models.count)"
            )
        }
        let w = input.parameters.map(\.weight)
        let t = (w[0] + w[1]).magnitude < 1e-6 ? 0.5 : w[1] / (w[0] + w[1])
        let base = input.base.map { Array($0) }
        let task = input.models.map { m in
            (0..<m.count).map { m[$0] - (base?[$0] ?? 0) }
        }
        let shape = flatten ? [] : input.shape
        let lastAxis = !rowWise
        let a = vectors(of: task[0], shape: shape, lastAxis: lastAxis)
        let b = vectors(of: task[1], shape: shape, lastAxis: lastAxis)
        let rows = zip(a, b).map { v0, v1 in
            let n0 = max(dot(v0, v0).squareRoot(), 1e-7)
            let n1 = max(dot(v1, v1).squareRoot(), 1e-7)
            let omega = acos(min(1, max(-1, dot(v0, v1) / (n0 * n1))))
            let s = sin(omega)
            if s.magnitude < 1e-8 { return zip(v0, v1).map { (1 - t) * $0 + t * $1 } }
            let c0 = sin((1 - t) * omega) / s
            let c1 = sin(t * omega) / s
            return zip(v0, v1).map { c0 * $0 + c1 * $1 }
        }
        var out = unvectors(rows, shape: shape, lastAxis: lastAxis, count: input.count)
        if let base { for i in out.indices { out[i] += base[i] } }
        return out
    }
}
