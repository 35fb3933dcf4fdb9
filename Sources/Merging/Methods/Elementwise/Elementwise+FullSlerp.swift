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
    /// - Complexity: two passes (norms and dot, then the combination; `FullSlerpStream`).
    /// - SeeAlso: Shoemake 1985, Animating rotation with quaternion curves (slerp).
    public static func slerp(_ input: TensorMergeInput, t: Double) throws -> [Double] {
        return try slerpStream(input.spec, t: t).run(input)
    }

    /// The stream behind `slerp(_:t:)`, for the engine.
    public static func slerpStream(_ spec: TensorSpec, t: Double) throws -> any TensorStream {
        try spec.check(method: "slerp", minModels: 1, needsBase: true)
        if spec.models != 1 {
            throw MergeError.invalidCoefficients(
                reason: "slerp needs exactly 2 models (base_model and one other), got "
                    + "\(spec.models + 1)")
        }
        return FullSlerpStream(t: t)
    }
}

/// Full-weight `slerp` chunk by chunk: one pass of v₀·v₀, v₁·v₁, v₀·v₁, then the write pass.
final class FullSlerpStream: TensorStream, @unchecked Sendable {
    let t: Double
    let rowLength = 1
    private var sums = OrderedSums(count: 3)
    private var scales: (Double, Double)?

    init(t: Double) { self.t = t }

    func nextPass() -> Int? { scales == nil ? 3 : nil }

    func reduce(_ chunk: ChunkValues, into partial: UnsafeMutableBufferPointer<Double>) {
        let v0 = chunk.base!
        let v1 = chunk.models[0]
        partial[0] = Elementwise.dot(v0, v0)
        partial[1] = Elementwise.dot(v1, v1)
        partial[2] = Elementwise.dot(v0, v1)
    }

    func fold(_ partial: UnsafeBufferPointer<Double>, chunk index: Int) { sums.add(partial) }

    func endPass() throws {
        let n0 = sums[0].squareRoot()
        let n1 = sums[1].squareRoot()
        let d = sums[2] / ((n0 > 1e-8 ? n0 : 1) * (n1 > 1e-8 ? n1 : 1))
        if d.magnitude > 0.9995 {
            scales = (1 - t, t)
        } else {
            let omega = acos(d)
            let sinOmega = sin(omega)
            scales = (sin((1 - t) * omega) / sinOmega, sin(t * omega) / sinOmega)
        }
    }

    func write(_ chunk: ChunkValues, into out: UnsafeMutableBufferPointer<Double>) throws {
        let (s0, s1) = scales!
        let v0 = chunk.base!
        let v1 = chunk.models[0]
        for i in 0..<out.count { out[i] = s0 * v0[i] + s1 * v1[i] }
    }
}
