import Foundation
import SafeTensors

/// What a careful user checks before merging checkpoints: that they are the same
/// architecture and use the same tokenizer, from the files beside the weights (`config.json`,
/// `tokenizer.json`, `tokenizer_config.json`). Inputs without those files (plain
/// `.safetensors` files) have nothing to compare and pass.
public struct ModelCompatibility: Sendable, Equatable {
    /// What one input declares.
    public struct Facts: Sendable, Equatable {
        public var path: String
        /// `model_type` and `architectures` of config.json.
        public var architecture: String?
        /// `vocab_size` of config.json.
        public var vocabSize: Int?
        /// Vocabulary size of tokenizer.json's model (`model.vocab` entries).
        public var tokenizerVocab: Int?
        /// Added tokens (content strings, sorted) of tokenizer.json and
        /// tokenizer_config.json's `added_tokens_decoder`.
        public var addedTokens: [String]?
    }

    public var facts: [Facts]

    /// Reads the facts of every input directory.
    public init(paths: [String]) {
        facts = paths.map(Self.facts(of:))
    }

    /// Architecture and tokenizer differences, one line each, naming the files and values.
    public var tokenizerDifferences: [String] {
        var lines: [String] = []
        func compare<T: Equatable>(_ what: String, _ value: (Facts) -> T?, _ show: (T) -> String) {
            let known = facts.compactMap { f in value(f).map { (f.path, $0) } }
            guard let first = known.first,
                let other = known.first(where: { $0.1 != first.1 })
            else { return }
            lines.append(
                "\(what) differs: \(first.0) has \(show(first.1)), \(other.0) has \(show(other.1))")
        }
        compare("config.json vocab_size", \.vocabSize) { "\($0)" }
        compare("tokenizer.json vocabulary size", \.tokenizerVocab) { "\($0)" }
        compare("added tokens", \.addedTokens) { tokens in
            "\(tokens.count) (\(tokens.prefix(5).joined(separator: ", "))"
                + (tokens.count > 5 ? ", …)" : ")")
        }
        return lines
    }

    /// Checks architectures (refused unless `allowMixedArchitectures`) and tokenizers
    /// (refused unless `allowTokenizerMismatch`).
    /// - Returns: warnings for what was allowed.
    /// - Throws: `MergeError.mixedArchitectures` or `.tokenizerMismatch`.
    public func check(allowMixedArchitectures: Bool, allowTokenizerMismatch: Bool) throws
        -> [String]
    {
        var warnings: [String] = []
        let known = facts.filter { $0.architecture != nil }
        if let first = known.first,
            let other = known.first(where: { $0.architecture != first.architecture })
        {
            let error = MergeError.mixedArchitectures(
                files: [first.path, other.path],
                architectures: [first.architecture!, other.architecture!])
            guard allowMixedArchitectures else { throw error }
            warnings.append(error.description)
        }
        let differences = tokenizerDifferences
        if let first = differences.first {
            guard allowTokenizerMismatch else {
                throw MergeError.tokenizerMismatch(difference: first)
            }
            warnings += differences.map { "tokenizers differ: \($0)" }
        }
        return warnings
    }

    static func json(_ path: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    static func facts(of path: String) -> Facts {
        var f = Facts(path: path)
        if let config = json(path + "/config.json") {
            let type = config["model_type"] as? String ?? "?"
            let archs = (config["architectures"] as? [String])?.joined(separator: ",") ?? "?"
            f.architecture = "\(type) (\(archs))"
            f.vocabSize = config["vocab_size"] as? Int
        }
        var added: Set<String>?
        if let tokenizer = json(path + "/tokenizer.json") {
            if let vocab = (tokenizer["model"] as? [String: Any])?["vocab"] {
                f.tokenizerVocab = (vocab as? [String: Any])?.count ?? (vocab as? [Any])?.count
            }
            if let tokens = tokenizer["added_tokens"] as? [[String: Any]] {
                added = Set(tokens.compactMap { $0["content"] as? String })
            }
        }
        if let config = json(path + "/tokenizer_config.json"),
            let decoder = config["added_tokens_decoder"] as? [String: Any]
        {
            let tokens = decoder.compactMap { ($0.value as? [String: Any])?["content"] as? String }
            added = (added ?? []).union(tokens)
        }
        f.addedTokens = added.map { $0.sorted() }
        return f
    }
}

/// Rewrites the dtype of a Hugging Face `config.json` so transformers loads the weights in the
/// dtype written.
public enum ModelConfigDType {
    /// transformers' name of a dtype (`torch_dtype` values).
    public static func torchName(_ dtype: DType) -> String? {
        switch dtype {
        case .f64: "float64"
        case .f32: "float32"
        case .f16: "float16"
        case .bf16: "bfloat16"
        case .f8e4m3: "float8_e4m3fn"
        case .f8e5m2: "float8_e5m2"
        case .f8e4m3fnuz: "float8_e4m3fnuz"
        case .f8e5m2fnuz: "float8_e5m2fnuz"
        default: nil
        }
    }

    /// `config` (JSON text) with `torch_dtype` set to `name` and `dtype` too when present
    /// (newer transformers write both); `nil` when `config` is not a JSON object.
    public static func rewrite(_ config: Data, torchDType name: String) -> Data? {
        guard var object = (try? JSONSerialization.jsonObject(with: config)) as? [String: Any]
        else { return nil }
        object["torch_dtype"] = name
        if object["dtype"] != nil { object["dtype"] = name }
        return try? JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// `["config.json": …]` with the rewritten dtype when `directory` holds a config.json and
    /// `dtype` has a transformers name; empty otherwise (as extra files for an output).
    public static func configFile(from directory: String?, dtype: DType?) -> [String: [UInt8]] {
        guard let dir = directory, let dtype, let name = torchName(dtype),
            let config = FileManager.default.contents(atPath: dir + "/config.json"),
            let rewritten = rewrite(config, torchDType: name)
        else { return [:] }
        return ["config.json": Array(rewritten)]
    }
}
