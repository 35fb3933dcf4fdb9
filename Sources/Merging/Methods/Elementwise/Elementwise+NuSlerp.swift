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
    /// - Complexity: two passes (norms and dots per vector, then the combination;
    ///   `NuSlerpStream`); per row (last axis) the write pass alone, chunks holding whole rows.
    public static func nuslerp(
        _ input: TensorMergeInput, flatten: Bool = true, rowWise: Bool = false
    )
        throws -> [Double]
    {
        return try nuslerpStream(input.spec, flatten: flatten, rowWise: rowWise).run(input)
    }

    /// The stream behind `nuslerp(_:flatten:rowWise:)`, for the engine.
    public static func nuslerpStream(_ spec: TensorSpec, flatten: Bool, rowWise: Bool) throws
        -> any TensorStream
    {
        try spec.check(method: "nuslerp", minModels: 2, needsBase: false)
        if spec.models != 2 {
            throw MergeError.invalidCoefficients(
                reason: "nuslerp needs exactly 2 models besides the base, got \(spec.models)"
            )
        }
        let w = spec.parameters.map(\.weight)
        let t = (w[0] + w[1]).magnitude < 1e-6 ? 0.5 : w[1] / (w[0] + w[1])
        let vectors: NuSlerpStream.Vectors =
            flatten || spec.shape.count < 2 || spec.count == 0
            ? .tensor : rowWise ? .columns(spec.count / spec.shape[0]) : .rows(spec.shape.last!)
        return NuSlerpStream(t: t, vectors: vectors)
    }

    /// nuslerp's two coefficients of one pair of vectors from ‖v₀‖², ‖v₁‖² and v₀·v₁.
    static func nuslerpScales(t: Double, _ s00: Double, _ s11: Double, _ s01: Double)
        -> (Double, Double)
    {
        let n0 = max(s00.squareRoot(), 1e-7)
        let n1 = max(s11.squareRoot(), 1e-7)
        let omega = acos(min(1, max(-1, s01 / (n0 * n1))))
        let s = sin(omega)
        if s.magnitude < 1e-8 { return (1 - t, t) }
        return (sin((1 - t) * omega) / s, sin(t * omega) / s)
    }
}

/// `nuslerp` chunk by chunk. Vectors are the whole tensor (one pass of three sums), the
/// columns along the first axis (one pass of three sums per column; chunks hold whole rows of
/// the remaining axes) or the rows along the last axis (chunks hold whole rows; no pass).
final class NuSlerpStream: TensorStream, @unchecked Sendable {
    enum Vectors {
        case tensor
        /// Vectors along the first axis: `rest` = product of the other axes.
        case columns(Int)
        /// Vectors along the last axis, of this length.
        case rows(Int)
    }

    let t: Double
    let vectors: Vectors
    let rowLength: Int
    private let width: Int
    private var sums: OrderedSums
    /// Per vector (one for `.tensor`, one per column): its two coefficients.
    private var scales: [(Double, Double)]?

    init(t: Double, vectors: Vectors) {
        self.t = t
        self.vectors = vectors
        switch vectors {
        case .tensor: (rowLength, width) = (1, 1)
        case let .columns(rest): (rowLength, width) = (max(1, rest), max(1, rest))
        case let .rows(c): (rowLength, width) = (max(1, c), 0)
        }
        sums = OrderedSums(count: 3 * width)
    }

    func nextPass() -> Int? {
        if case .rows = vectors { return nil }
        return scales == nil ? 3 * width : nil
    }

    @inline(__always)
    private func task(_ chunk: ChunkValues, _ m: Int, _ i: Int) -> Double {
        chunk.models[m][i] - (chunk.base?[i] ?? 0)
    }

    func reduce(_ chunk: ChunkValues, into partial: UnsafeMutableBufferPointer<Double>) {
        var j = 0
        for i in 0..<chunk.count {
            let a = task(chunk, 0, i)
            let b = task(chunk, 1, i)
            partial[3 * j] += a * a
            partial[3 * j + 1] += b * b
            partial[3 * j + 2] += a * b
            if width > 1 { j = j + 1 == width ? 0 : j + 1 }
        }
    }

    func fold(_ partial: UnsafeBufferPointer<Double>, chunk index: Int) { sums.add(partial) }

    func endPass() throws {
        scales = (0..<width).map {
            Elementwise.nuslerpScales(t: t, sums[3 * $0], sums[3 * $0 + 1], sums[3 * $0 + 2])
        }
    }

    func write(_ chunk: ChunkValues, into out: UnsafeMutableBufferPointer<Double>) throws {
        var rowScales = (0.0, 0.0)
        var j = 0
        for i in 0..<chunk.count {
            let a = task(chunk, 0, i)
            let b = task(chunk, 1, i)
            let c: (Double, Double)
            switch vectors {
            case .tensor: c = scales![0]
            case .columns:
                c = scales![j]
                j = j + 1 == width ? 0 : j + 1
            case let .rows(length):
                if i % length == 0 { rowScales = rowSums(chunk, from: i, length: length) }
                c = rowScales
            }
            let r = c.0 * a + c.1 * b
            if let base = chunk.base { out[i] = r + base[i] } else { out[i] = r }
        }
    }

    /// The coefficients of the row starting at `start`.
    private func rowSums(_ chunk: ChunkValues, from start: Int, length: Int) -> (Double, Double) {
        var s = (0.0, 0.0, 0.0)
        for i in start..<(start + length) {
            let a = task(chunk, 0, i)
            let b = task(chunk, 1, i)
            s.0 += a * a
            s.1 += b * b
            s.2 += a * b
        }
        return Elementwise.nuslerpScales(t: t, s.0, s.1, s.2)
    }
}
