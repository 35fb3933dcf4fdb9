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
    /// - Complexity: streamed (`KarcherStream`): two passes, three per iteration, and the
    ///   write pass; each pass replays the finished iterations per element, so
    ///   O(maxIter² · M · n) time and memory per chunk, never a whole tensor.
    /// - SeeAlso: Karcher 1977; Buss & Fillmore 2001, Spherical averages (the fixed-point
    ///   iteration).
    public static func karcher(_ input: TensorMergeInput, maxIter: Int = 10, tol: Double = 1e-5)
        throws -> [Double]
    {
        return try karcherStream(input.spec, maxIter: maxIter, tol: tol).run(input)
    }

    /// The stream behind `karcher(_:maxIter:tol:)`, for the engine.
    public static func karcherStream(_ spec: TensorSpec, maxIter: Int, tol: Double) throws
        -> any TensorStream
    {
        try spec.check(method: "karcher", minModels: 1, needsBase: false)
        return KarcherStream(models: spec.models, maxIter: maxIter, tol: tol)
    }
}

/// `karcher` chunk by chunk. The mean direction μ is never stored: each pass rebuilds it per
/// element from the unit vectors by replaying the finished iterations (the same operations as
/// the whole-tensor iteration), so only the reductions (‖θ_m‖, ‖μ₀‖, μ·û_k, ‖T‖, ‖μ'‖) are
/// chunked.
final class KarcherStream: TensorStream, @unchecked Sendable {
    private enum Phase { case norms, meanNorm, dots, tangent, update, write }

    /// One finished iteration: the terms of T (kept index k, cos Ω, factor) and the step.
    private struct Step {
        var terms: [(k: Int, c: Double, f: Double)]
        var cosT: Double
        var sinT: Double
        var tn: Double
        /// ‖μ'‖ when it was above tol (μ' is divided by it), else nil.
        var un: Double?
    }

    let models: Int
    let maxIter: Int
    let tol: Double
    let rowLength = 1
    private var phase = Phase.norms
    private var sums = OrderedSums(count: 0)
    private var norms: [Double] = []
    private var kept: [Int] = []
    private var a: [Double] = []
    /// ‖μ₀‖ when μ₀ = Σ a_k û_k is used (else μ₀ = û of the first kept model).
    private var meanNorm: Double?
    private var steps: [Step] = []
    private var current: Step?

    init(models: Int, maxIter: Int, tol: Double) {
        self.models = models
        self.maxIter = maxIter
        self.tol = tol
        if models == 1 { phase = .write }
    }

    func nextPass() -> Int? {
        let size: Int? =
            switch phase {
            case .norms: models
            case .dots: kept.count
            case .meanNorm, .tangent, .update: 1
            case .write: nil
            }
        sums = OrderedSums(count: size ?? 0)
        return size
    }

    /// The unit vectors û_k (kept models) of one chunk.
    private func units(_ chunk: ChunkValues) -> [[Double]] {
        kept.map { m in (0..<chunk.count).map { chunk.models[m][$0] / norms[m] } }
    }

    /// Σ a_k û_k, unnormalised.
    private func firstMean(_ u: [[Double]], count n: Int) -> [Double] {
        var mean = [Double](repeating: 0, count: n)
        for k in u.indices { for i in 0..<n { mean[i] += a[k] * u[k][i] } }
        return mean
    }

    /// T of one step at μ.
    private func tangent(_ step: Step, _ u: [[Double]], mean: [Double]) -> [Double] {
        var t = [Double](repeating: 0, count: mean.count)
        for term in step.terms {
            for i in t.indices { t[i] += term.f * (u[term.k][i] - term.c * mean[i]) }
        }
        return t
    }

    /// μ' = cos‖T‖·μ + sin‖T‖·T/‖T‖ (not yet normalised).
    private func moved(_ step: Step, mean: [Double], tangent t: [Double]) -> [Double] {
        (0..<mean.count).map { step.cosT * mean[$0] + step.sinT * t[$0] / step.tn }
    }

    /// μ after the finished steps, on one chunk.
    private func mean(_ u: [[Double]], count n: Int) -> [Double] {
        guard let meanNorm else { return u[0] }
        var mean = firstMean(u, count: n).map { $0 / meanNorm }
        for step in steps {
            mean = moved(step, mean: mean, tangent: tangent(step, u, mean: mean))
            if let un = step.un { mean = mean.map { $0 / un } }
        }
        return mean
    }

    func reduce(_ chunk: ChunkValues, into partial: UnsafeMutableBufferPointer<Double>) {
        let n = chunk.count
        if phase == .norms {
            for m in 0..<models { partial[m] = Elementwise.dot(chunk.models[m], chunk.models[m]) }
            return
        }
        let u = units(chunk)
        if phase == .meanNorm {
            let mean = firstMean(u, count: n)
            partial[0] = Elementwise.dot(mean, mean)
            return
        }
        let mu = mean(u, count: n)
        switch phase {
        case .dots: for k in u.indices { partial[k] = Elementwise.dot(mu, u[k]) }
        case .tangent:
            let t = tangent(current!, u, mean: mu)
            partial[0] = Elementwise.dot(t, t)
        case .update:
            let next = moved(current!, mean: mu, tangent: tangent(current!, u, mean: mu))
            partial[0] = Elementwise.dot(next, next)
        default: break
        }
    }

    func fold(_ partial: UnsafeBufferPointer<Double>, chunk index: Int) { sums.add(partial) }

    func endPass() throws {
        switch phase {
        case .norms:
            norms = sums.values.map { $0.squareRoot() }
            kept = (0..<models).filter { norms[$0] > tol }
            if kept.isEmpty {
                phase = .write
                return
            }
            let alphaSum = kept.reduce(0.0) { s, _ in s + 1 / Double(models) }
            a = kept.map { _ in 1 / Double(models) / alphaSum }
            phase = .meanNorm
        case .meanNorm:
            let norm = sums[0].squareRoot()
            meanNorm = norm < tol ? nil : norm
            phase = maxIter > 0 ? .dots : .write
        case .dots:
            var terms: [(k: Int, c: Double, f: Double)] = []
            for k in kept.indices {
                let c = min(1, max(-1, sums[k]))
                let omega = acos(c)
                if omega < tol { continue }
                terms.append((k, c, a[k] * omega / sin(omega)))
            }
            current = Step(terms: terms, cosT: 0, sinT: 0, tn: 0, un: nil)
            phase = .tangent
        case .tangent:
            let tn = sums[0].squareRoot()
            if tn < tol {
                phase = .write
            } else {
                current!.tn = tn
                current!.cosT = cos(tn)
                current!.sinT = sin(tn)
                phase = .update
            }
        case .update:
            let un = sums[0].squareRoot()
            current!.un = un > tol ? un : nil
            steps.append(current!)
            phase = steps.count < maxIter ? .dots : .write
        case .write: break
        }
    }

    func write(_ chunk: ChunkValues, into out: UnsafeMutableBufferPointer<Double>) throws {
        let n = chunk.count
        if models == 1 {
            for i in 0..<n { out[i] = chunk.models[0][i] }
            return
        }
        if kept.isEmpty {
            for i in 0..<n { out[i] = 0 }
            return
        }
        let alphas = [Double](repeating: 1 / Double(models), count: models)
        let scale = zip(alphas, norms).reduce(0.0) { $0 + $1.0 * $1.1 }
        let mu = mean(units(chunk), count: n)
        for i in 0..<n { out[i] = scale * mu[i] }
    }
}
