/// Global options of the task-vector family (task_arithmetic, ties, dare_*, breadcrumbs*,
/// della*). `nil` means the method's default (mergekit's): see each method.
public struct TaskVectorOptions: Sendable, Equatable {
    /// Scale of the combined task vector, `out = base + λ·mixed`. Default 1.
    public var lambda: Double
    /// Divide the combined task vector by the (masked) sum of weights.
    public var normalize: Bool?
    /// Random drops only (DARE, DELLA): divide kept entries by their keep probability.
    public var rescale: Bool?
    /// Seed of the random drops.
    public var seed: UInt64

    public init(lambda: Double = 1, normalize: Bool? = nil, rescale: Bool? = nil, seed: UInt64 = 0)
    {
        self.lambda = lambda
        self.normalize = normalize
        self.rescale = rescale
        self.seed = seed
    }
}

extension Elementwise {
    /// Combines thinned task vectors δ'_m with weights w_m (Task Arithmetic / TIES steps 2–3):
    ///
    ///     without consensus: mixed = Σ w_m δ'_m,            D = Σ w_m (|D| < 1e-8 → 1)
    ///     with consensus:    s = sign(Σ w_m δ'_m) (s = +1 where the sum is ≥ 0, so sign ties go +),
    ///                        k_m = [sign(w_m δ'_m) = s]  (zero entries never agree),
    ///                        mixed = Σ k_m w_m δ'_m,        D = Σ k_m w_m (D = 0 → 1)
    ///     out = base + λ · (normalize ? mixed / D : mixed)
    ///
    /// Elementwise: works on any chunk (all arguments being the same chunk of each tensor).
    /// - Complexity: O(M·n) time, writes `out` (`base.count` elements).
    /// - SeeAlso: Ilharco et al. 2023 (task arithmetic); Yadav et al. 2023, TIES-Merging, §3
    ///   steps 2 (Elect, by summed magnitude) and 3 (Disjoint merge).
    public static func combine(
        base: UnsafeBufferPointer<Double>, deltas: [[Double]], weights: [Double], consensus: Bool,
        normalize: Bool, lambda: Double, into out: UnsafeMutableBufferPointer<Double>
    ) {
        let n = base.count
        let plainDivisor: Double = {
            let s = weights.reduce(0, +)
            return s.magnitude < 1e-8 ? 1 : s
        }()
        for i in 0..<n {
            var mixed = 0.0
            var divisor = 0.0
            if consensus {
                var sum = 0.0
                for m in deltas.indices { sum += weights[m] * deltas[m][i] }
                let elected: Double = sum >= 0 ? 1 : -1
                for m in deltas.indices {
                    let wd = weights[m] * deltas[m][i]
                    if wd != 0 && (wd > 0) == (elected > 0) {
                        mixed += wd
                        divisor += weights[m]
                    }
                }
                if divisor == 0 { divisor = 1 }
            } else {
                for m in deltas.indices { mixed += weights[m] * deltas[m][i] }
                divisor = plainDivisor
            }
            out[i] = base[i] + lambda * (normalize ? mixed / divisor : mixed)
        }
    }

    /// Runs the task-vector stream of `thinning` over a tensor in memory.
    static func taskVectorMerge(
        _ input: TensorMergeInput, method: String, thinning: TaskVectorStream.Thinning,
        consensus: Bool, normalize: Bool, options: TaskVectorOptions
    ) throws -> [Double] {
        return try TaskVectorStream(
            input.spec, method: method, thinning: thinning, consensus: consensus,
            normalize: normalize, options: options
        ).run(input)
    }
}
