import Foundation

extension Elementwise {
    /// mergekit `slerp`: spherical interpolation of the full weights of two models (not task
    /// vectors), over the whole flattened tensor.
    ///
    ///     v̂ = v / ‖v‖ (unchanged when ‖v‖ ≤ 1e-8);  d = v̂₀·v̂₁
    ///     |d| > 0.9995:  out = (1 − t)·v₀ + t·v₁
    ///     else:          Ω = acos d;  out = sin((1 − t)Ω)/sin Ω · v₀ + sin(tΩ)/sin Ω · v₁
    ///
    /// `v₀` is the base model (`t = 0` gives it), `v₁` the one other model.
    /// - Parameter t: interpolation factor, usually from a layer gradient.
    /// - Throws: `MergeError.initRequired` without a base, `.invalidCoefficients` unless
    ///   exactly one other model.
    /// - Complexity: two passes (norms and dot, then the combination), one output tensor.
    /// - SeeAlso: Shoemake 1985, Animating rotation with quaternion curves (slerp).
    public static func slerp(_ input: TensorMergeInput, t: Double) throws -> [Double] {
        try input.check(method: "slerp", minModels: 1, needsBase: true)
        if input.models.count != 1 {
            throw MergeError.invalidCoefficients(
                reason: "slerp needs exactly 2 models (base_model and one other), got "
                    + "\(input.models.count + 1)")
        }
        let v0 = input.base!
        let v1 = input.models[0]
        let n0 = dot(v0, v0).squareRoot()
        let n1 = dot(v1, v1).squareRoot()
        let d = dot(v0, v1) / ((n0 > 1e-8 ? n0 : 1) * (n1 > 1e-8 ? n1 : 1))
        let (s0, s1): (Double, Double)
        if d.magnitude > 0.9995 {
            (s0, s1) = (1 - t, t)
        } else {
            let omega = acos(d)
            let sinOmega = sin(omega)
            (s0, s1) = (sin((1 - t) * omega) / sinOmega, sin(t * omega) / sinOmega)
        }
        return (0..<v0.count).map { s0 * v0[$0] + s1 * v1[$0] }
    }
}
