import CMergeKernels

/// The pairwise sums of M models (and an optional base b) accumulated chunk by chunk, in
/// `Double`, by the same C kernel as the merge engine's Gram matrix:
///
///     task[i][j]     += Σ_k (x_i[k] − b[k]) · (x_j[k] − b[k])   (δ_i·δ_j; zero without base)
///     weight[i][j]   += Σ_k  x_i[k] · x_j[k]                     (θ_i·θ_j)
///     distance[i][j] += Σ_k (x_i[k] − x_j[k])²                   (‖θ_i − θ_j‖² = ‖δ_i − δ_j‖²)
///
/// Differences are taken per element before any product (never as θ·θ − 2θ·b + b·b, which
/// cancels catastrophically when δ ≪ θ). Each sum keeps eight lanes of `Double` partial sums
/// over a chunk, so sums over billions of elements stay exact to `Double` rounding, and the
/// bits depend only on the chunks, not on the machine's SIMD level.
///
/// - Complexity: one pass over each chunk, O(n · M²) flops; no allocation.
public struct PairSums: Sendable, Equatable {
    public let models: Int
    public let hasBase: Bool
    /// Row-major M×M matrices; only the upper triangle (i ≤ j) until `symmetrise()`.
    public var task: [Double]
    public var weight: [Double]
    public var distance: [Double]

    public init(models: Int, hasBase: Bool) {
        precondition(models >= 1)
        self.models = models
        self.hasBase = hasBase
        task = Array(repeating: 0, count: models * models)
        weight = task
        distance = task
    }

    /// Adds the sums of one chunk whose inputs are the base (when `hasBase`) then the M models.
    public mutating func add(_ chunk: RawChunk) {
        precondition(chunk.inputs == models + (hasBase ? 1 : 0), "chunk has the wrong inputs")
        let what = UInt32(MT_SUM_TASK | MT_SUM_WEIGHT | MT_SUM_DISTANCE)
        let (m, base) = (models, hasBase ? Int32(1) : 0)
        task.withUnsafeMutableBufferPointer { t in
            weight.withUnsafeMutableBufferPointer { w in
                distance.withUnsafeMutableBufferPointer { d in
                    mt_pair_sums(
                        chunk.pointers, chunk.kinds, m, base, chunk.count, what, t.baseAddress,
                        w.baseAddress, d.baseAddress)
                }
            }
        }
    }

    /// Adds `other` element-wise.
    public mutating func add(_ other: PairSums) {
        for k in task.indices {
            task[k] += other.task[k]
            weight[k] += other.weight[k]
            distance[k] += other.distance[k]
        }
    }

    /// Copies the upper triangles to the lower ones.
    public mutating func symmetrise() {
        let m = models
        for i in 0..<m {
            for j in 0..<i {
                task[i * m + j] = task[j * m + i]
                weight[i * m + j] = weight[j * m + i]
                distance[i * m + j] = distance[j * m + i]
            }
        }
    }

    public var isFinite: Bool {
        task.allSatisfy(\.isFinite) && weight.allSatisfy(\.isFinite)
            && distance.allSatisfy(\.isFinite)
    }
}
