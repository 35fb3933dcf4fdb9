import Foundation
import SafeTensors

/// A policy saved in Hugging Face layout: a directory holding `model.safetensors` (F32, GPT-2
/// names), `config.json` (`GPTConfig.huggingFaceConfigJSON`, loadable by `transformers`'
/// GPT2LMHeadModel) and `vocab.json` (the word-level vocabulary, tokens in id order).
///
///     DIR/model.safetensors   wte.weight, wpe.weight, h.0.ln_1.weight, …, ln_f.bias
///     DIR/config.json         model_type gpt2, n_layer, n_embd, n_head, n_positions, …
///     DIR/vocab.json          ["<bos>", "<unk>", "a", …]
///
/// Run directories written by the trainer keep their final policy in `RUN/policy/`; `load`
/// accepts the run directory too.
public enum PolicyCheckpoint {
    public static let weightsName = "model.safetensors"
    public static let configName = "config.json"
    public static let vocabularyName = "vocab.json"

    /// Writes `model` and `vocabulary` to directory `dir` (replaced atomically if present).
    /// - Parameter metadata: extra `__metadata__` pairs (`format: pt` is always written).
    /// - Throws: `SafeTensorsError` for I/O.
    /// - Complexity: one sequential write straight from the model's buffer (no copy).
    public static func save(
        _ model: GPT, vocabulary: Vocabulary, to dir: String,
        metadata: [String: String] = [:]
    ) throws {
        let store = model.store()
        let config = model.config.huggingFaceConfigJSON(
            bosTokenID: Vocabulary.bos, eosTokenID: Vocabulary.bos)
        let vocab = (try? JSONEncoder().encode(vocabulary.tokens)) ?? Data("[]".utf8)
        var pairs: [(key: String, value: String)] = [("format", "pt")]
        for key in metadata.keys.sorted() where key != "format" {
            pairs.append((key, metadata[key]!))
        }
        try write(
            store, to: dir, metadata: pairs,
            extraFiles: [configName: Array(config), vocabularyName: Array(vocab)])
    }

    /// Writes every tensor of `store` to `path` (a directory, or a `*.safetensors` file).
    static func write(
        _ store: any TensorStore, to path: String,
        metadata: [(key: String, value: String)] = [("format", "pt")],
        extraFiles: [String: [UInt8]] = [:]
    ) throws {
        try RunFiles.makeDirectory(FileAccess.parent(of: path))
        let writer = try CheckpointWriter(
            path: path, tensors: store.tensors, metadata: metadata,
            extraFiles: extraFiles)
        for info in store.tensors { try writer.copy(info.name, from: store) }
        try writer.finish()
    }

    /// The directory holding `config.json` for `path`: the path itself, its `policy/`
    /// sub-directory (a run directory), or the parent of a `*.safetensors` file.
    public static func directory(of path: String) -> String {
        var isDir: ObjCBool = false
        let fm = FileManager.default
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return path }
        if !isDir.boolValue {
            return FileAccess.parent(of: path)
        }
        let own = (path as NSString).appendingPathComponent(configName)
        let policy = (path as NSString).appendingPathComponent("policy")
        if !fm.fileExists(atPath: own),
            fm.fileExists(atPath: (policy as NSString).appendingPathComponent(configName))
        {
            return policy
        }
        return path
    }

    /// Loads a policy saved by `save` (or a run directory, or its `model.safetensors`).
    /// - Returns: the model and its vocabulary; `label` is the resolved directory.
    /// - Throws: `ReinforceError.fileNotFound` for a missing config/vocab, `ReinforceError` for a
    ///   bad config or tensors, `SafeTensorsError` for a malformed weights file.
    public static func load(_ path: String) throws -> (model: GPT, vocabulary: Vocabulary) {
        let dir = directory(of: path)
        let configData = try readFile((dir as NSString).appendingPathComponent(configName))
        let config = try GPTConfig(huggingFaceJSON: configData)
        let vocabulary = try Vocabulary.load(
            from: (dir as NSString).appendingPathComponent(vocabularyName))
        guard vocabulary.count <= config.vocabSize else {
            throw ReinforceError.invalidConfig(
                reason: "\(dir): vocab.json has \(vocabulary.count) tokens but vocab_size is "
                    + "\(config.vocabSize)")
        }
        var weights = path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            weights = dir
        }
        let store = try Checkpoint.open(weights)
        return (try GPT(config: config, store: store), vocabulary)
    }

    /// Whether `path` holds a loadable policy (config, vocabulary and weights present).
    public static func exists(_ path: String) -> Bool {
        let dir = directory(of: path)
        let fm = FileManager.default
        return [configName, vocabularyName, weightsName].allSatisfy {
            fm.fileExists(atPath: (dir as NSString).appendingPathComponent($0))
        }
    }
}
