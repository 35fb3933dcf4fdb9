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
        var sq: Double = 0
        for i in 0..<n { sq += Double(g[i]) * Double(g[i]) }
        let norm = Float(sq.squareRoot())
        let lr = currentLearningRate
        step += 1
        let s = settings
        let clipScale: Float = s.clipNorm > 0 && norm > s.clipNorm ? s.clipNorm / norm : 1
        let c1 = 1 - Float(pow(Double(s.beta1), Double(step)))
        let c2 = 1 - Float(pow(Double(s.beta2), Double(step)))
        let mp = m.pointer, vp = v.pointer, dp = decay.pointer
        for i in 0..<n {
            let gi = g[i] * clipScale
            mp[i] = s.beta1 * mp[i] + (1 - s.beta1) * gi
            vp[i] = s.beta2 * vp[i] + (1 - s.beta2) * gi * gi
            let mh = mp[i] / c1, vh = vp[i] / c2
            p[i] -= lr * (mh / (vh.squareRoot() + s.epsilon) + s.weightDecay * dp[i] * p[i])
        }
        return norm
    }
}
