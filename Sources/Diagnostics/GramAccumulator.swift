/// Accumulates, in one pass over aligned `Float` chunks, the Gram matrices of task vectors
/// and of full weights of M models, and the squared distances between the models:
///
///     task[i][j]     += Σ_k (x_i[k] − b[k]) · (x_j[k] − b[k])   (δ_i · δ_j, needs a base b)
///     weight[i][j]   += Σ_k  x_i[k] · x_j[k]                     (θ_i · θ_j)
///     distance[i][j] += Σ_k (x_i[k] − x_j[k])²                   (‖θ_i − θ_j‖² = ‖δ_i − δ_j‖²)
///
/// The distances let `GramStats` compute small angles from three sides instead of from
/// `G_ij / (‖v_i‖‖v_j‖)`, which rounds to 1 long before ω ≈ 0° is resolved.
///
/// Differences are taken per element before any product (never as θ·θ − 2θ·b + b·b, which
/// cancels catastrophically when δ ≪ θ). Two models (the paper's case) take a fused kernel
/// (`addPair`) that loads each element once. Otherwise products are summed in four
/// `SIMD8<Float>` accumulators over blocks of `blockElements` elements (each lane adds at
/// most `blockElements / 32` products, a relative error below ~2e-6 of Σ|products|), then
/// each block's sum is added to the matrices in `Double`. This keeps the kernel as fast as
/// memory on 2 cores while sums over billions of elements stay exact to Double rounding.
///
/// This is the kernel the merge engine needs too ("pairwise dots of differences into a
/// Double matrix"); it lives here until the two are unified.
///
/// - Complexity: O(n · M(3M+1)/2) flops per chunk of n elements; memory O(M · blockElements).
/// - SeeAlso: WARP paper, appendix C.2 and Figure 11 (cos Ω, cos ω).
public final class GramAccumulator {
    /// Elements per `Float` block before flushing to `Double`.
    public static let blockElements = 1024

    /// Number of models M.
    public let models: Int
    /// Whether a base (the init) is given with every chunk, so task vectors are computed.
    public let hasBase: Bool
    /// Σ δ_i·δ_j, row-major M×M, symmetric (all zero when `hasBase` is false).
    public internal(set) var task: [Double]
    /// Σ θ_i·θ_j, row-major M×M, symmetric.
    public internal(set) var weight: [Double]
    /// Σ (θ_i − θ_j)², row-major M×M, symmetric, zero diagonal.
    public internal(set) var distance: [Double]
    private let scratch: UnsafeMutablePointer<Float>

    public init(models: Int, hasBase: Bool) {
        precondition(models >= 1)
        self.models = models
        self.hasBase = hasBase
        task = Array(repeating: 0, count: models * models)
        weight = Array(repeating: 0, count: models * models)
        distance = Array(repeating: 0, count: models * models)
        scratch = .allocate(capacity: (models + 1) * Self.blockElements)
    }

    deinit { scratch.deallocate() }

    /// Sets both matrices back to zero.
    public func reset() {
        for i in task.indices { task[i] = 0; weight[i] = 0; distance[i] = 0 }
    }

    /// Adds the products of one aligned chunk.
    /// - Parameters:
    ///   - base: the init's values (required when `hasBase`, ignored otherwise).
    ///   - inputs: the M models' values, each as long as `base`.
    public func add(base: UnsafePointer<Float>?, inputs: [UnsafePointer<Float>], count: Int) {
        precondition(inputs.count == models && (!hasBase || base != nil))
        if models == 2 {
            addPair(base: hasBase ? base : nil, inputs[0], inputs[1], count: count)
            return
        }
        let m = models
        var start = 0
        while start < count {
            let n = min(Self.blockElements, count - start)
            for i in 0..<m {
                for j in i..<m {
                    let d = Self.dot(inputs[i] + start, inputs[j] + start, n)
                    weight[i * m + j] += d
                }
            }
            let pair = scratch + m * Self.blockElements
            for i in 0..<m {
                for j in (i + 1)..<max(i + 1, m) {
                    Self.subtract(inputs[i] + start, inputs[j] + start, into: pair, n)
                    distance[i * m + j] += Self.dot(pair, pair, n)
                }
            }
            if hasBase, let b = base {
                for i in 0..<m {
                    Self.subtract(
                        inputs[i] + start, b + start, into: scratch + i * Self.blockElements, n)
                }
                for i in 0..<m {
                    for j in i..<m {
                        let d = Self.dot(
                            scratch + i * Self.blockElements, scratch + j * Self.blockElements, n)
                        task[i * m + j] += d
                    }
                }
            }
            start += n
        }
        symmetrise()
    }

    func symmetrise() {
        let m = models
        for i in 0..<m {
            for j in 0..<i {
                task[i * m + j] = task[j * m + i]
                weight[i * m + j] = weight[j * m + i]
                distance[i * m + j] = distance[j * m + i]
            }
        }
    }

    /// `out[k] = a[k] − b[k]` for k < n.
    @inline(__always)
    static func subtract(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
        _ n: Int
    ) {
        for k in 0..<n { out[k] = a[k] - b[k] }
    }

    /// Σ a[k]·b[k] for k < n (n ≤ `blockElements`): four `SIMD8<Float>` accumulators, the
    /// lanes summed in `Double`.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var k = 0
        while k + 32 <= n {
            let o = 4 * k
            s0 +=
                ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            s1 +=
                ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            s2 +=
                ra.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
            s3 +=
                ra.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
            k += 32
        }
        var tail = 0.0
        while k < n {
            tail += Double(a[k]) * Double(b[k])
            k += 1
        }
        let lanes = SIMD8<Double>(s0) + SIMD8<Double>(s1) + SIMD8<Double>(s2) + SIMD8<Double>(s3)
        return lanes.sum() + tail
    }
}
