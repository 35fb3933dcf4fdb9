extension Elementwise {
    /// mergekit `linear` (model soups): a weighted average of the models.
    ///
    ///     out = Σ w_m θ_m / (normalize ? Σ w_m : 1)
    ///
    /// The base model, if any, takes part only as one of `input.models`.
    /// - Parameter normalize: mergekit's `normalize`, default `true`.
    /// - Throws: `MergeError.invalidCoefficients` when normalising weights that sum to 0.
    /// - Complexity: O(M·n) time, one write pass (`LinearStream`), one output tensor.
    /// - SeeAlso: Wortsman et al. 2022, Model Soups, uniform/weighted soup.
    public static func linear(_ input: TensorMergeInput, normalize: Bool = true) throws -> [Double]
    {
        return try linearStream(input.spec, normalize: normalize).run(input)
    }

    /// The stream behind `linear(_:normalize:)`, for the engine.
    public static func linearStream(_ spec: TensorSpec, normalize: Bool) throws
        -> any TensorStream
    {
        try spec.check(method: "linear", minModels: 1, needsBase: false)
        let w = spec.parameters.map(\.weight)
        let total = w.reduce(0, +)
        if normalize && total == 0 {
            throw MergeError.invalidCoefficients(
                reason: "linear on '\(spec.name)': weights sum to 0 and cannot be normalised")
        }
        return LinearStream(weights: w, scale: normalize ? 1 / total : 1)
    }
}

/// `linear` chunk by chunk: no statistics, one write pass.
final class LinearStream: TensorStream, @unchecked Sendable {
    let weights: [Double]
    let scale: Double
    let rowLength = 1

    init(weights: [Double], scale: Double) {
        self.weights = weights
        self.scale = scale
    }

    func nextPass() -> Int? { nil }

    func write(_ chunk: ChunkValues, into out: UnsafeMutableBufferPointer<Double>) throws {
        for i in 0..<out.count { out[i] = 0 }
        for (m, model) in chunk.models.enumerated() {
            for i in 0..<out.count { out[i] += weights[m] * model[i] }
        }
        if scale != 1 { for i in 0..<out.count { out[i] *= scale } }
    }
}
