import Foundation

/// Shape of the tiny GPT: a GPT-2 style causal transformer (pre-LayerNorm, GELU `gelu_new`,
/// learned positions, tied output embedding).
///
/// Defaults are the trainer's: 2 layers, `dModel` 64, 4 heads, context 32. `vocabSize` comes
/// from the task's vocabulary.
public struct GPTConfig: Codable, Sendable, Equatable, Hashable {
    /// Number of transformer blocks (`n_layer`).
    public var layers: Int
    /// Residual width C (`n_embd`).
    public var dModel: Int
    /// Attention heads; `dModel` must be a multiple of it (`n_head`).
    public var heads: Int
    /// Maximum sequence length T (`n_positions`).
    public var context: Int
    /// Vocabulary size V.
    public var vocabSize: Int
    /// LayerNorm epsilon (GPT-2: 1e-5).
    public var layerNormEpsilon: Float

    public init(
        layers: Int = 2, dModel: Int = 64, heads: Int = 4, context: Int = 32,
        vocabSize: Int, layerNormEpsilon: Float = 1e-5
    ) {
        self.layers = layers
        self.dModel = dModel
        self.heads = heads
        self.context = context
        self.vocabSize = vocabSize
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Size of one attention head, `dModel / heads`.
    public var headSize: Int { dModel / heads }

    /// Throws `ReinforceError.invalidConfig` unless every size is positive and heads divide dModel.
    public func validate() throws {
        let sizes = [
            ("layers", layers), ("dModel", dModel), ("heads", heads),
            ("context", context), ("vocabSize", vocabSize),
        ]
        for (name, value) in sizes where value < 1 {
            throw ReinforceError.invalidConfig(reason: "\(name) is \(value), must be at least 1")
        }
        // The layout's sizes are Int products: refuse sizes whose byte count overflows.
        let floats = MemoryEstimate.parameters(self)
        guard floats * 4 < Double(Int.max) / 16 else {
            throw ReinforceError.invalidConfig(
                reason: "about \(floats) parameters, more than can be addressed")
        }
        if dModel % heads != 0 {
            throw ReinforceError.invalidConfig(
                reason: "dModel \(dModel) is not a multiple of heads \(heads)")
        }
        if !(layerNormEpsilon > 0) {
            throw ReinforceError.invalidConfig(reason: "layerNormEpsilon \(layerNormEpsilon) <= 0")
        }
    }

    /// A `config.json` that `transformers`' `GPT2LMHeadModel.from_pretrained` loads.
    ///
    /// Keys: model_type gpt2, n_layer, n_embd, n_head, n_positions, n_ctx, vocab_size,
    /// layer_norm_epsilon, activation_function gelu_new, tie_word_embeddings, bos/eos ids,
    /// architectures, dropouts 0 (the trainer uses none). Keys are sorted for stable output.
    public func huggingFaceConfigJSON(bosTokenID: Int = 0, eosTokenID: Int = 0) -> Data {
        let object: [String: Any] = [
            "architectures": ["GPT2LMHeadModel"],
            "model_type": "gpt2",
            "n_layer": layers,
            "n_embd": dModel,
            "n_head": heads,
            "n_positions": context,
            "n_ctx": context,
            "n_inner": NSNull(),
            "vocab_size": vocabSize,
            "layer_norm_epsilon": Double(layerNormEpsilon),
            "activation_function": "gelu_new",
            "tie_word_embeddings": true,
            "scale_attn_weights": true,
            "bos_token_id": bosTokenID,
            "eos_token_id": eosTokenID,
            "resid_pdrop": 0.0,
            "embd_pdrop": 0.0,
            "attn_pdrop": 0.0,
            "initializer_range": 0.02,
            "torch_dtype": "float32",
        ]
        // JSONSerialization cannot fail on this literal of plain types.
        return
            (try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    /// Reads the sizes back from a GPT-2 `config.json` (the keys written above).
    /// - Throws: `ReinforceError.invalidConfig` when a key is missing or not a number, or the
    ///   sizes fail `validate()`.
    public init(huggingFaceJSON data: Data) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { throw ReinforceError.invalidConfig(reason: "config.json is not a json object") }
        func int(_ key: String) throws -> Int {
            guard let n = object[key] as? NSNumber else {
                throw ReinforceError.invalidConfig(reason: "config.json has no integer '\(key)'")
            }
            return n.intValue
        }
        let eps = (object["layer_norm_epsilon"] as? NSNumber)?.floatValue ?? 1e-5
        self.init(
            layers: try int("n_layer"), dModel: try int("n_embd"),
            heads: try int("n_head"), context: try int("n_positions"),
            vocabSize: try int("vocab_size"), layerNormEpsilon: eps)
        try validate()
    }
}
