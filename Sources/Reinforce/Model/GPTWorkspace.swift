/// Preallocated activations (and, for training, their gradients and the parameter gradient)
/// for batches of up to `capacity` rows of up to `length` tokens.
///
/// Layout follows llm.c: per-layer activations are stacked with a stride of
/// `capacity·length·width`, so a smaller batch uses the first rows of each slab and the
/// forward/backward never allocate.
/// - Complexity: memory O(L·B·T·(16C + NH·T) + B·T·V) floats, about doubled for training.
public final class GPTWorkspace: @unchecked Sendable {
    public let config: GPTConfig
    /// Maximum batch rows B.
    public let capacity: Int
    /// Maximum sequence length T (at most the context).
    public let length: Int
    public let training: Bool

    // Last forward's shape.
    public internal(set) var batch = 0
    public internal(set) var steps = 0

    var tokens: [Int32]
    let encoded, ln1, ln1Mean, ln1Rstd, qkv, atty, att, attproj, residual2: FloatBuffer
    let ln2, ln2Mean, ln2Rstd, fch, fchGelu, fcproj, residual3: FloatBuffer
    let lnf, lnfMean, lnfRstd: FloatBuffer
    /// (B, T, V) logits of the last forward.
    public let logits: FloatBuffer
    /// (B, T, V) scratch: softmax probabilities, then dlogits in the losses.
    let probs: FloatBuffer

    /// Parameter gradient, `layout.count` floats (empty unless `training`).
    public let gradients: FloatBuffer
    let dlogits, dlnf, dresidual, dln, dqkv, datty, dfch, dfchGelu, dscratch: FloatBuffer
    /// (L, B, T, 4C) σ inside the GELU, kept by a training forward for the backward.
    let fchSigmoid: FloatBuffer

    public init(config: GPTConfig, capacity: Int, length: Int, training: Bool) {
        precondition(capacity >= 1 && length >= 1, "empty workspace")
        self.config = config
        self.capacity = capacity
        self.length = min(length, config.context)
        self.training = training
        let l = config.layers, c = config.dModel, nh = config.heads, v = config.vocabSize
        let bt = capacity * self.length, t = self.length
        tokens = [Int32](repeating: 0, count: bt)
        encoded = FloatBuffer(count: bt * c)
        ln1 = FloatBuffer(count: l * bt * c)
        ln1Mean = FloatBuffer(count: l * bt)
        ln1Rstd = FloatBuffer(count: l * bt)
        qkv = FloatBuffer(count: l * bt * 3 * c)
        atty = FloatBuffer(count: l * bt * c)
        att = FloatBuffer(count: l * capacity * nh * t * t)
        attproj = FloatBuffer(count: l * bt * c)
        residual2 = FloatBuffer(count: l * bt * c)
        ln2 = FloatBuffer(count: l * bt * c)
        ln2Mean = FloatBuffer(count: l * bt)
        ln2Rstd = FloatBuffer(count: l * bt)
        fch = FloatBuffer(count: l * bt * 4 * c)
        fchGelu = FloatBuffer(count: l * bt * 4 * c)
        fcproj = FloatBuffer(count: l * bt * c)
        residual3 = FloatBuffer(count: l * bt * c)
        lnf = FloatBuffer(count: bt * c)
        lnfMean = FloatBuffer(count: bt)
        lnfRstd = FloatBuffer(count: bt)
        logits = FloatBuffer(count: bt * v)
        probs = FloatBuffer(count: bt * v)
        let g = training ? 1 : 0
        gradients = FloatBuffer(count: g * ParameterLayout(config: config).count)
        dlogits = FloatBuffer(count: g * bt * v)
        dlnf = FloatBuffer(count: g * bt * c)
        dresidual = FloatBuffer(count: g * bt * c)
        dln = FloatBuffer(count: g * bt * c)
        dqkv = FloatBuffer(count: g * bt * 3 * c)
        datty = FloatBuffer(count: g * bt * c)
        dfch = FloatBuffer(count: g * bt * 4 * c)
        dfchGelu = FloatBuffer(count: g * bt * 4 * c)
        dscratch = FloatBuffer(count: g * t * t)
        fchSigmoid = FloatBuffer(count: g * l * bt * 4 * c)
    }

    /// Logits of row `b`, position `t` of the last forward (a copy).
    public func logits(row b: Int, position t: Int) -> [Float] {
        let v = config.vocabSize
        let start = logits.pointer + (b * steps + t) * v
        return Array(UnsafeBufferPointer(start: start, count: v))
    }
}
