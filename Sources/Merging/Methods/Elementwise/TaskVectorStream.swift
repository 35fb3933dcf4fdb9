/// The task-vector family as a stream (task_arithmetic, ties, dare_*, breadcrumbs*, della*):
/// thin each task vector δ_m = θ_m − base, then `Elementwise.combine` the chunk.
///
///     top (TIES):       8 radix passes (one byte of |δ| each, one 256-bin histogram per model
///                       and chunk), an equal-count pass when the threshold's ties are split,
///                       then the write pass keeps the top k with `MagnitudeThreshold.Cursor`
///     middle (crumbs):  the same with two thresholds per model (top γ and top γ + ρ)
///     random (DARE):    write pass only; drops keyed by element index (`CounterRandom`)
///     rank (DELLA):     write pass only; chunks hold whole rows, ranked within each row
///     none:             write pass only
///
/// Exact: the k-th magnitude and the ties at it come from integer counts, so a chunk keeps
/// what the whole-tensor selection keeps, whatever the chunking or threads.
/// - Complexity: ≤ 10 passes over the inputs (top/middle), else one; memory per chunk and
///   thread is M thinned chunks; between passes 256 counts per selection and, after an
///   equal-count pass, one count per chunk and selection.
final class TaskVectorStream: TensorStream, @unchecked Sendable {
    enum Thinning { case none, top, middle, random, rank }

    private struct Selection {
        var builder: MagnitudeThreshold.Builder
        /// Elements of exactly the threshold's magnitude before each chunk (equal-count pass).
        var equalsBefore: [Int] = []
        var equalsSoFar = 0
        var needsEquals: Bool {
            guard let t = builder.threshold else { return false }
            return builder.equalCount > t.keptAtThreshold
        }
    }

    let spec: TensorSpec
    let thinning: Thinning
    let consensus: Bool
    let normalize: Bool
    let options: TaskVectorOptions
    let rowLength: Int
    private let weights: [Double]
    /// Per model: the selection index of the upper (top / top γ) and lower (top γ + ρ)
    /// thresholds, when the model is thinned by magnitude.
    private var upper: [Int?]
    private var lower: [Int?]
    private var selections: [Selection] = []
    private var active: [Int] = []
    private var counting = false
    private var equalsDone = false

    /// - Throws: `MergeError.tooFewModels`, `.initRequired`; for `rank`, `.invalidCoefficients`
    ///   when a model's ρ ± ε leaves (0, 1).
    init(
        _ spec: TensorSpec, method: String, thinning: Thinning, consensus: Bool, normalize: Bool,
        options: TaskVectorOptions
    ) throws {
        try spec.check(method: method, minModels: 1, needsBase: true)
        self.spec = spec
        self.thinning = thinning
        self.consensus = consensus
        self.normalize = normalize
        self.options = options
        weights = spec.parameters.map(\.weight)
        rowLength = thinning == .rank ? max(1, spec.shape.last ?? 1) : 1
        upper = Array(repeating: nil, count: spec.models)
        lower = Array(repeating: nil, count: spec.models)
        let n = spec.count
        for (m, p) in spec.parameters.enumerated() where p.density < 1 {
            switch thinning {
            case .top:
                upper[m] = select(topK: Self.count(p.density, of: n))
            case .middle:
                let keep = Self.count(p.density, of: n)
                var top = Self.count(p.gamma, of: n)
                let bottom = n - keep - top
                if bottom < 0 { top += bottom }
                upper[m] = select(topK: top)
                lower[m] = select(topK: top + keep)
            case .rank:
                if p.density > 0 && (p.density - p.epsilon <= 0 || p.density + p.epsilon >= 1) {
                    throw MergeError.invalidCoefficients(
                        reason: "della on '\(spec.name)': density \(p.density) ± epsilon "
                            + "\(p.epsilon) must lie in (0, 1)")
                }
            case .none, .random: break
            }
        }
    }

    /// ⌊fraction·n⌋ clamped to 0…n.
    static func count(_ fraction: Double, of n: Int) -> Int {
        min(n, max(0, Int((fraction * Double(n)).rounded(.down))))
    }

    private func select(topK k: Int) -> Int {
        selections.append(Selection(builder: .init(topK: k)))
        return selections.count - 1
    }

    func nextPass() -> Int? {
        active = selections.indices.filter { selections[$0].builder.threshold == nil }
        if !active.isEmpty {
            counting = false
            return 256 * active.count
        }
        if !equalsDone {
            equalsDone = true
            active = selections.indices.filter { selections[$0].needsEquals }
            if !active.isEmpty {
                counting = true
                return active.count
            }
        }
        return nil
    }

    func reduce(_ chunk: ChunkValues, into partial: UnsafeMutableBufferPointer<Double>) {
        let base = chunk.base!
        for (j, s) in active.enumerated() {
            let m = selectionModel(s)
            let x = chunk.models[m]
            if counting {
                let bits = selections[s].builder.threshold!.bits
                var equal = 0
                for i in 0..<x.count where (x[i] - base[i]).magnitude.bitPattern == bits {
                    equal += 1
                }
                partial[j] = Double(equal)
            } else {
                let builder = selections[s].builder
                let h = partial.baseAddress! + 256 * j
                for i in 0..<x.count {
                    builder.count((x[i] - base[i]).magnitude.bitPattern, into: h)
                }
            }
        }
    }

    private func selectionModel(_ s: Int) -> Int {
        upper.firstIndex(of: s) ?? lower.firstIndex(of: s)!
    }

    func fold(_ partial: UnsafeBufferPointer<Double>, chunk index: Int) {
        for (j, s) in active.enumerated() {
            if counting {
                selections[s].equalsBefore.append(selections[s].equalsSoFar)
                selections[s].equalsSoFar += Int(partial[j])
            } else {
                selections[s].builder.add(
                    histogram: UnsafeBufferPointer(rebasing: partial[(256 * j)..<(256 * j + 256)]))
            }
        }
    }

    func endPass() throws {
        if !counting { for s in active { selections[s].builder.endPass() } }
    }

    private func cursor(_ s: Int, chunk: Int) -> MagnitudeThreshold.Cursor {
        let sel = selections[s]
        let before = sel.equalsBefore.isEmpty ? 0 : sel.equalsBefore[chunk]
        return MagnitudeThreshold.Cursor(sel.builder.threshold!, equalsBefore: before)
    }

    func write(_ chunk: ChunkValues, into out: UnsafeMutableBufferPointer<Double>) throws {
        let base = chunk.base!
        let n = chunk.count
        var deltas = [[Double]](repeating: [], count: spec.models)
        var delta = [Double](repeating: 0, count: n)
        for m in 0..<spec.models {
            let x = chunk.models[m]
            for i in 0..<n { delta[i] = x[i] - base[i] }
            deltas[m] = try thin(delta, model: m, chunk: chunk)
        }
        Elementwise.combine(
            base: base, deltas: deltas, weights: weights, consensus: consensus,
            normalize: normalize, lambda: options.lambda, into: out)
    }

    /// Model m's thinned task vector on one chunk.
    private func thin(_ delta: [Double], model m: Int, chunk: ChunkValues) throws -> [Double] {
        let p = spec.parameters[m]
        switch thinning {
        case .none: return delta
        case .top:
            guard let u = upper[m] else { return delta }
            var keep = cursor(u, chunk: chunk.index)
            return delta.map { keep.keeps($0) ? $0 : 0 }
        case .middle:
            guard let u = upper[m], let l = lower[m] else { return delta }
            var high = cursor(u, chunk: chunk.index)
            var kept = cursor(l, chunk: chunk.index)
            return delta.map { x in
                let isHigh = high.keeps(x)
                return kept.keeps(x) && !isHigh ? x : 0
            }
        case .random:
            var out = [Double](repeating: 0, count: delta.count)
            delta.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    Elementwise.dropRandom(
                        src, density: p.density, rescale: options.rescale ?? true,
                        random: CounterRandom(seed: options.seed, tensor: spec.name, model: m),
                        elementOffset: chunk.offset, into: dst)
                }
            }
            return out
        case .rank:
            var out = [Double](repeating: 0, count: delta.count)
            delta.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    Elementwise.dropByRank(
                        src, rowLength: rowLength, density: p.density, epsilon: p.epsilon,
                        rescale: options.rescale ?? true,
                        random: CounterRandom(seed: options.seed, tensor: spec.name, model: m),
                        elementOffset: chunk.offset, into: dst)
                }
            }
            return out
        }
    }
}
