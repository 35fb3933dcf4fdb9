import CBLAS
import Foundation

/// Adam with decoupled weight decay (AdamW), linear warmup and global-norm gradient clipping,
/// over one flat parameter buffer.
///
///     g ← g · min(1, clip/‖g‖₂)                          (if clip > 0)
///     lr_t = lr · min(1, t/warmup)
///     m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
///     θ ← θ − lr_t·(m/(1−β₁ᵗ) / (√(v/(1−β₂ᵗ)) + ε) + λ·θ)   (λ only on matrices)
///
/// Weight decay applies to 2-D tensors (embeddings and linear weights), never to biases or
/// LayerNorm parameters, as in GPT-2 training. With λ = 0 it is Adam.
/// - Complexity: O(P) per step; memory 2P floats for the moments.
public final class AdamW: @unchecked Sendable {
    public struct Settings: Codable, Sendable, Equatable {
        public var learningRate: Float
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        public var weightDecay: Float = 0
        /// Steps of linear warmup from lr/warmup to lr (0: none).
        public var warmupSteps: Int = 0
        /// Global-norm clip threshold (0 or less: no clipping).
        public var clipNorm: Float = 1

        public init(
            learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
            epsilon: Float = 1e-8, weightDecay: Float = 0, warmupSteps: Int = 0,
            clipNorm: Float = 1
        ) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
            self.warmupSteps = warmupSteps
            self.clipNorm = clipNorm
        }
    }

    public var settings: Settings
    /// Steps taken so far (t of the bias correction).
    public private(set) var step = 0
    /// First and second moments (exposed for checkpoints).
    public let m: FloatBuffer, v: FloatBuffer
    let decay: FloatBuffer  // 1 where weight decay applies

    public init(layout: ParameterLayout, settings: Settings) {
        self.settings = settings
        m = FloatBuffer(count: layout.count)
        v = FloatBuffer(count: layout.count)
        decay = FloatBuffer(count: layout.count)
        for e in layout.entries where e.shape.count == 2 {
            decay.pointer.advanced(by: e.offset).update(repeating: 1, count: e.count)
        }
    }

    /// Restores a checkpointed optimiser: moments and step count.
    public func restore(step: Int, m: [Float], v: [Float]) {
        precondition(m.count == self.m.count && v.count == self.v.count, "moment sizes differ")
        self.step = step
        m.withUnsafeBufferPointer { self.m.pointer.update(from: $0.baseAddress!, count: m.count) }
        v.withUnsafeBufferPointer { self.v.pointer.update(from: $0.baseAddress!, count: v.count) }
    }

    /// The learning rate the next step will use.
    public var currentLearningRate: Float {
        let t = step + 1
        guard settings.warmupSteps > 0 else { return settings.learningRate }
        return settings.learningRate * min(1, Float(t) / Float(settings.warmupSteps))
    }

    /// Clips `gradients` in place and updates `parameters`.
    /// - Returns: the global gradient norm before clipping.
    @discardableResult
    public func update(parameters: FloatBuffer, gradients: FloatBuffer) -> Float {
        precondition(parameters.count == m.count && gradients.count == m.count, "size mismatch")
        let n = m.count, g = gradients.pointer, p = parameters.pointer
        let norm = Float(Self.squaredNorm(g, count: n).squareRoot())
        let lr = currentLearningRate
        step += 1
        let s = settings
        let clipScale: Float = s.clipNorm > 0 && norm > s.clipNorm ? s.clipNorm / norm : 1
        let c1 = 1 - Float(pow(Double(s.beta1), Double(step)))
        let c2 = 1 - Float(pow(Double(s.beta2), Double(step)))
        let mp = m.pointer, vp = v.pointer, dp = decay.pointer
        let b1 = s.beta1, b2 = s.beta2, a1 = 1 - s.beta1, a2 = 1 - s.beta2
        let eps = s.epsilon, wd = s.weightDecay
        if Kernels.avx512 {  // the same operations, sixteen lanes (CBLAS/kernels.h)
            mt_adamw_avx512(p, g, mp, vp, dp, n, clipScale, b1, b2, a1, a2, c1, c2, lr, eps, wd)
        } else if Kernels.avx2 {  // the same operations, eight lanes (CBLAS/kernels.h)
            mt_adamw_avx2(p, g, mp, vp, dp, n, clipScale, b1, b2, a1, a2, c1, c2, lr, eps, wd)
        } else {
            Self.updateLoop(
                p, g, mp, vp, dp, n, clipScale, b1, b2, a1, a2, c1, c2, lr, eps, wd)
        }
        return norm
    }

    /// The element loop of `update` in Swift (the reference for its AVX2 twin), arguments in
    /// the twin's order. `.magnitude` (vh ≥ 0, so the value is unchanged, and √−0 + ε =
    /// √0 + ε) tells the optimiser the square root cannot fail, so it is `sqrtps` without a
    /// per-element libm fallback and the loop vectorises.
    static func updateLoop(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
        _ mp: UnsafeMutablePointer<Float>, _ vp: UnsafeMutablePointer<Float>,
        _ dp: UnsafePointer<Float>, _ n: Int, _ clipScale: Float, _ b1: Float, _ b2: Float,
        _ a1: Float, _ a2: Float, _ c1: Float, _ c2: Float, _ lr: Float, _ eps: Float,
        _ wd: Float
    ) {
        for i in 0..<n {
            let gi = g[i] * clipScale
            mp[i] = b1 * mp[i] + a1 * gi
            vp[i] = b2 * vp[i] + a2 * gi * gi
            let mh = mp[i] / c1, vh = vp[i] / c2
            p[i] -= lr * (mh / (vh.magnitude.squareRoot() + eps) + wd * dp[i] * p[i])
        }
    }

    /// ‖g‖² in Double, four interleaved partial sums (independent add chains), the tail into
    /// the first: (s0 + s1) + (s2 + s3). With AVX2, the same sums in one four-lane register.
    static func squaredNorm(_ g: UnsafePointer<Float>, count n: Int) -> Double {
        if Kernels.avx2 { return mt_squared_norm_avx2(g, n) }
        return squaredNormLoop(g, count: n)
    }

    /// `squaredNorm` in Swift (the reference for the AVX2 twin).
    static func squaredNormLoop(_ g: UnsafePointer<Float>, count n: Int) -> Double {
        var s0: Double = 0, s1: Double = 0, s2: Double = 0, s3: Double = 0
        var j = 0
        while j + 4 <= n {
            s0 += Double(g[j]) * Double(g[j])
            s1 += Double(g[j + 1]) * Double(g[j + 1])
            s2 += Double(g[j + 2]) * Double(g[j + 2])
            s3 += Double(g[j + 3]) * Double(g[j + 3])
            j += 4
        }
        while j < n {
            s0 += Double(g[j]) * Double(g[j])
            j += 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}
