/// Where each named parameter tensor lives in the model's one contiguous `[Float]` buffer.
///
/// Names, shapes and storage order are Hugging Face GPT-2's (`GPT2Model` keys without the
/// `transformer.` prefix); linear weights are `Conv1D`, stored (in, out):
///
///     wte.weight (V, C), wpe.weight (T, C),
///     per block N: h.N.ln_1.weight/bias (C), h.N.attn.c_attn.weight (C, 3C), .bias (3C),
///     h.N.attn.c_proj.weight (C, C), .bias (C), h.N.ln_2.weight/bias (C),
///     h.N.mlp.c_fc.weight (C, 4C), .bias (4C), h.N.mlp.c_proj.weight (4C, C), .bias (C),
///     ln_f.weight/bias (C)
public struct ParameterLayout: Sendable, Equatable {
    /// One tensor: its name, shape and first element in the buffer.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    /// Offsets of one block's tensors.
    struct Block: Sendable, Equatable {
        var ln1w = 0, ln1b = 0, attnW = 0, attnB = 0, projW = 0, projB = 0
        var ln2w = 0, ln2b = 0, fcW = 0, fcB = 0, fcProjW = 0, fcProjB = 0
    }

    public let entries: [Entry]
    /// Total number of parameters.
    public let count: Int
    let wte: Int, wpe: Int, lnfw: Int, lnfb: Int
    let blocks: [Block]
    private let index: [String: Int]

    public init(config: GPTConfig) {
        let c = config.dModel, v = config.vocabSize, t = config.context
        var entries: [Entry] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let start = offset
            entries.append(Entry(name: name, shape: shape, offset: start))
            offset += shape.reduce(1, *)
            return start
        }
        wte = add("wte.weight", [v, c])
        wpe = add("wpe.weight", [t, c])
        var blocks: [Block] = []
        for l in 0..<config.layers {
            let p = "h.\(l)."
            var b = Block()
            b.ln1w = add(p + "ln_1.weight", [c])
            b.ln1b = add(p + "ln_1.bias", [c])
            b.attnW = add(p + "attn.c_attn.weight", [c, 3 * c])
            b.attnB = add(p + "attn.c_attn.bias", [3 * c])
            b.projW = add(p + "attn.c_proj.weight", [c, c])
            b.projB = add(p + "attn.c_proj.bias", [c])
            b.ln2w = add(p + "ln_2.weight", [c])
            b.ln2b = add(p + "ln_2.bias", [c])
            b.fcW = add(p + "mlp.c_fc.weight", [c, 4 * c])
            b.fcB = add(p + "mlp.c_fc.bias", [4 * c])
            b.fcProjW = add(p + "mlp.c_proj.weight", [4 * c, c])
            b.fcProjB = add(p + "mlp.c_proj.bias", [c])
            blocks.append(b)
        }
        lnfw = add("ln_f.weight", [c])
        lnfb = add("ln_f.bias", [c])
        self.blocks = blocks
        self.entries = entries
        self.count = offset
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() { index[e.name] = i }
        self.index = index
    }

    /// The entry named `name`, or nil.
    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }
}
