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
    /// - Complexity: four statistics passes (norms; ‖μ‖; û_m·μ̂; ‖T‖) and the write pass
    ///   (`MultiSlerpStream`), memory per chunk.
    /// - SeeAlso: Goddard 2025, "Multi-SLERP" (mergekit's definition).
    public static func multislerp(
        _ input: TensorMergeInput, normalizeWeights: Bool = true, eps: Double = 1e-8
    ) throws -> [Double] {
        return try multislerpStream(input.spec, normalizeWeights: normalizeWeights, eps: eps)
            .run(input)
    }

    /// The stream behind `multislerp(_:normalizeWeights:eps:)`, for the engine.
    public static func multislerpStream(_ spec: TensorSpec, normalizeWeights: Bool, eps: Double)
        throws -> any TensorStream
    {
        try spec.check(method: "multislerp", minModels: 1, needsBase: false)
        var w = spec.parameters.map(\.weight)
        if normalizeWeights {
            let s = w.reduce(0, +)
            w = w.map { $0 / s }
        }
        return MultiSlerpStream(name: spec.name, weights: w, eps: eps)
    }
}

/// `multislerp` chunk by chunk. Every pass recomputes the per-element vectors (v_m, û_m, μ,
/// T) from the inputs with the same operations, so only the reductions are chunked.
final class MultiSlerpStream: TensorStream, @unchecked Sendable {
    private enum Phase { case norms, meanNorm, dots, tangent, write }

    let name: String
    let weights: [Double]
    let eps: Double
    let rowLength = 1
    private var phase = Phase.norms
    private var sums = OrderedSums(count: 0)
    private var norms: [Double] = []
    private var meanNorm = 0.0
    private var dots: [Double] = []
    private var s = 0.0
    /// ‖μ‖ < eps with two models: the weighted sum of the task vectors.
    private var fallback = false

    init(name: String, weights: [Double], eps: Double) {
        self.name = name
        self.weights = weights
        self.eps = eps
        if weights.count == 1 { phase = .write }
    }

    private var models: Int { weights.count }

    func nextPass() -> Int? {
        let size: Int? =
            switch phase {
            case .norms, .dots: models
            case .meanNorm, .tangent: 1
            case .write: nil
            }
        sums = OrderedSums(count: size ?? 0)
        return size
    }

    /// v_m, û_m, μ and T on one chunk; the ones a phase has not reached are left empty.
    private struct Vectors {
        var v: [[Double]]
        var units: [[Double]] = []
        var mean: [Double] = []
        var tangent: [Double] = []
    }

    private func vectors(_ chunk: ChunkValues, upTo phase: Phase) -> Vectors {
        let n = chunk.count
        var e = Vectors(
            v: chunk.models.map { x in (0..<n).map { x[$0] - (chunk.base?[$0] ?? 0) } })
        if phase == .norms { return e }
        e.units = (0..<models).map { m in e.v[m].map { $0 / (norms[m] + eps) } }
        e.mean = [Double](repeating: 0, count: n)
        for m in 0..<models { for i in 0..<n { e.mean[i] += weights[m] * e.units[m][i] } }
        if phase == .meanNorm { return e }
        for i in 0..<n { e.mean[i] /= meanNorm }
        if phase == .dots { return e }
        e.tangent = [Double](repeating: 0, count: n)
        for m in 0..<models {
            for i in 0..<n { e.tangent[i] += weights[m] * (e.units[m][i] - dots[m] * e.mean[i]) }
        }
        return e
    }

    func reduce(_ chunk: ChunkValues, into partial: UnsafeMutableBufferPointer<Double>) {
        let e = vectors(chunk, upTo: phase)
        for i in 0..<chunk.count {
            switch phase {
            case .norms: for m in 0..<models { partial[m] += e.v[m][i] * e.v[m][i] }
            case .meanNorm: partial[0] += e.mean[i] * e.mean[i]
            case .dots: for m in 0..<models { partial[m] += e.units[m][i] * e.mean[i] }
            case .tangent: partial[0] += e.tangent[i] * e.tangent[i]
            case .write: break
            }
        }
    }

    func fold(_ partial: UnsafeBufferPointer<Double>, chunk index: Int) { sums.add(partial) }

    func endPass() throws {
        switch phase {
        case .norms:
            norms = sums.values.map { $0.squareRoot() }
            phase = .meanNorm
        case .meanNorm:
            meanNorm = sums[0].squareRoot()
            if meanNorm < eps {
                if models != 2 {
                    throw MergeError.invalidCoefficients(
                        reason: "multislerp on '\(name)': the weighted directions sum to zero "
                            + "(antipodal models with balancing weights)")
                }
                fallback = true
                phase = .write
            } else {
                phase = .dots
            }
        case .dots:
            dots = sums.values
            phase = .tangent
        case .tangent:
            s = sums[0].squareRoot() + eps
            phase = .write
        case .write: break
        }
    }

    func write(_ chunk: ChunkValues, into out: UnsafeMutableBufferPointer<Double>) throws {
        if models == 1 {
            for i in 0..<chunk.count { out[i] = chunk.models[0][i] }
            return
        }
        let scale = zip(norms, weights).reduce(0.0) { $0 + $1.0 * $1.1 }
        let e = vectors(chunk, upTo: fallback ? .norms : .tangent)
        for i in 0..<chunk.count {
            var r: Double
            if fallback {
                r = weights[0] * e.v[0][i] + weights[1] * e.v[1][i]
            } else {
                r = (e.mean[i] * cos(s) + e.tangent[i] * sin(s) / s) * scale
            }
            if let base = chunk.base { r += base[i] }
            out[i] = r
        }
    }
}
