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
    /// - Complexity: O(N²·n) for the pairwise dots plus O(N·n). Streamed (`ModelStockStream`):
    ///   one pass of dots and the write pass; filter-wise, the write pass alone (chunks hold
    ///   whole rows).
    /// - SeeAlso: Jang et al. 2024, Model Stock, Eq. (2) (t = k·cos θ / (1 + (k − 1)·cos θ)).
    public static func modelStock(_ input: TensorMergeInput, filterWise: Bool = false) throws
        -> [Double]
    {
        return try modelStockStream(input.spec, filterWise: filterWise).run(input)
    }

    /// The stream behind `modelStock(_:filterWise:)`, for the engine.
    public static func modelStockStream(_ spec: TensorSpec, filterWise: Bool) throws
        -> any TensorStream
    {
        try spec.check(method: "model_stock", minModels: 2, needsBase: true)
        return ModelStockStream(spec, rows: filterWise && spec.shape.count >= 2)
    }

    /// Model Stock's ratio t from the upper triangle of δ_a·δ_b (`dots(a, b)`, a ≤ b).
    static func stockRatio(models n: Int, tensor: String, dots: (Int, Int) -> Double) throws
        -> Double
    {
        var sum = 0.0
        var pairs = 0
        for a in 0..<n {
            for b in (a + 1)..<n {
                let norms = dots(a, a).squareRoot() * dots(b, b).squareRoot()
                sum += min(1, max(-1, dots(a, b) / max(norms, 1e-6)))
                pairs += 1
            }
        }
        let cos = sum / Double(pairs)
        let denominator = 1 + (Double(n) - 1) * cos
        if denominator == 0 {
            throw MergeError.invalidCoefficients(
                reason: "model_stock on '\(tensor)': mean cosine \(cos) makes "
                    + "1 + (N − 1)·cos zero")
        }
        return Double(n) * cos / denominator
    }
}

/// `model_stock` chunk by chunk: one pass of the M(M+1)/2 dots of the task vectors over the
/// whole tensor, then the write pass; filter-wise, each chunk holds whole rows and computes its
/// rows' ratios itself (no statistics pass).
final class ModelStockStream: TensorStream, @unchecked Sendable {
    let spec: TensorSpec
    let rows: Bool
    let rowLength: Int
    private var sums: OrderedSums
    private var t: Double?

    init(_ spec: TensorSpec, rows: Bool) {
        self.spec = spec
        self.rows = rows
        rowLength = rows ? max(1, spec.shape.last!) : 1
        sums = OrderedSums(count: spec.models * spec.models)
    }

    func nextPass() -> Int? { rows || t != nil ? nil : spec.models * spec.models }

    /// Adds δ_a·δ_b (a ≤ b) of elements `range` into `p` (row-major M×M).
    private func dots(
        _ chunk: ChunkValues, _ range: Range<Int>, into p: UnsafeMutablePointer<Double>
    ) {
        let base = chunk.base!
        let n = spec.models
        for a in 0..<n {
            for b in a..<n {
                var s = 0.0
                for i in range {
                    s += (chunk.models[a][i] - base[i]) * (chunk.models[b][i] - base[i])
                }
                p[a * n + b] += s
            }
        }
    }

    func reduce(_ chunk: ChunkValues, into partial: UnsafeMutableBufferPointer<Double>) {
        dots(chunk, 0..<chunk.count, into: partial.baseAddress!)
    }

    func fold(_ partial: UnsafeBufferPointer<Double>, chunk index: Int) { sums.add(partial) }

    func endPass() throws {
        let n = spec.models
        t = try Elementwise.stockRatio(models: n, tensor: spec.name) { sums[$0 * n + $1] }
    }

    func write(_ chunk: ChunkValues, into out: UnsafeMutableBufferPointer<Double>) throws {
        let n = spec.models
        let base = chunk.base!
        let row = rows ? rowLength : chunk.count
        var d = [Double](repeating: 0, count: n * n)
        for start in stride(from: 0, to: chunk.count, by: max(1, row)) {
            let range = start..<(start + row)
            var ratio = t ?? 0
            if rows {
                for j in d.indices { d[j] = 0 }
                d.withUnsafeMutableBufferPointer { dots(chunk, range, into: $0.baseAddress!) }
                ratio = try Elementwise.stockRatio(models: n, tensor: spec.name) { d[$0 * n + $1] }
            }
            for i in range {
                let avg = chunk.models.reduce(0.0) { $0 + $1[i] } / Double(n)
                out[i] = ratio * avg + (1 - ratio) * base[i]
            }
        }
    }
}
