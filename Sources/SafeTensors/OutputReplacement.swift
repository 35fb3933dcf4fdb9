import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What an existing output path may hold for a writer to replace it.
///
/// A *mergetool output* is a file whose `__metadata__` carries one of `markerKeys` with a value
/// starting `mergetool`, or a directory whose weight files all carry it (a front: whose
/// `eta-*` sub-directories all are mergetool outputs). A *checkpoint directory* holds only
/// checkpoint files: weights (`*.safetensors`, `*.safetensors.zst`), their index, the files of
/// `knownFiles` (config, tokenizer, README, generation files), files its marked weights list
/// under `filesKey`, and `eta-*` sub-directories holding the same. An empty directory counts as
/// a mergetool output. Anything else (`thesis.txt`, `photos/`, a symlink or FIFO inside) makes
/// a directory irreplaceable under every policy.
public enum OutputReplacement: Sendable, Equatable {
    /// Replace only a previous mergetool output (the commands without `--force`).
    case mergetoolOutput
    /// Replace any regular file, or a checkpoint directory (`--force`, library default).
    case anyCheckpoint

    /// `__metadata__` keys whose value `mergetool …` marks a file as written by mergetool.
    public static let markerKeys = ["merge.tool", "convert.tool"]

    /// `__metadata__` key listing (as a JSON array) non-weight files of a directory output
    /// that are not in `knownFiles` (copied from the input), so a rerun may replace them.
    public static let filesKey = "mergetool.files"

    /// Non-weight files of a Hugging Face checkpoint directory.
    public static let knownFiles: Set<String> = [
        "config.json", "generation_config.json", "README.md", "tokenizer.json",
        "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json",
        "added_tokens.json", "vocab.json", "vocab.txt", "merges.txt", "spiece.model",
        "chat_template.jinja", "chat_template.json", "preprocessor_config.json",
    ]

    /// Whether metadata pairs carry the mergetool marker.
    public static func isMarked(_ metadata: [String: String]) -> Bool {
        markerKeys.contains { metadata[$0]?.hasPrefix("mergetool") ?? false }
    }

    /// Throws unless `path` is absent or may be replaced by an output of the given kind.
    /// A symlink is judged by what it points to (replacing it replaces the link, not its
    /// target).
    /// - Throws: `.outputExists` (`--force` would allow it), `.outputHoldsOtherFiles` (never
    ///   allowed), `.outputNotReplaceable` (a directory for a file output, a FIFO or device).
    public func check(_ path: String, directoryOutput: Bool) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw SafeTensorsError.io(
                path: path, operation: "stat", errno: errno,
                message: String(cString: strerror(errno)))
        }
        var target = st
        let dangling = (st.st_mode & S_IFMT) == S_IFLNK && stat(path, &target) != 0
        let kind = dangling ? S_IFLNK : target.st_mode & S_IFMT
        switch kind {
        case S_IFDIR:
            guard directoryOutput else {
                throw SafeTensorsError.outputNotReplaceable(
                    path: path, reason: "is a directory, and the output is a file")
            }
            let ours = try Self.judgeDirectory(path, depth: 0)
            if !ours && self == .mergetoolOutput { throw SafeTensorsError.outputExists(path: path) }
        case S_IFREG:
            let ours = !directoryOutput && Self.fileIsMarked(path)
            if !ours && self == .mergetoolOutput { throw SafeTensorsError.outputExists(path: path) }
        case S_IFLNK:
            if self == .mergetoolOutput { throw SafeTensorsError.outputExists(path: path) }
        default:
            throw SafeTensorsError.outputNotReplaceable(
                path: path, reason: "is not a regular file or directory")
        }
    }

    /// Whether the regular file at `path` is a safetensors file carrying the marker.
    static func fileIsMarked(_ path: String) -> Bool {
        metadata(path).map(isMarked) ?? false
    }

    /// The `__metadata__` of a regular safetensors (or `.zst`) file; `nil` if unreadable.
    static func metadata(_ path: String) -> [String: String]? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return try? Checkpoint.open(path).metadata
    }

    static func isWeight(_ name: String) -> Bool {
        name.hasSuffix(".safetensors") || name.hasSuffix(".safetensors.zst")
    }

    /// Checks a directory holds only checkpoint files (throwing `.outputHoldsOtherFiles` for
    /// the first that is not) and returns whether it is a mergetool output.
    static func judgeDirectory(_ path: String, depth: Int) throws -> Bool {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw SafeTensorsError.io(
                path: path, operation: "list", errno: EACCES, message: "cannot read the directory")
        }
        var weights: [String] = []
        var others: [String] = []
        var subdirectoriesOurs = true
        for name in names where StaleTemporaries.parse(name) == nil {
            let full = path + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }  // vanished meanwhile
            switch st.st_mode & S_IFMT {
            case S_IFDIR where depth == 0 && name.hasPrefix("eta-"):
                subdirectoriesOurs = try judgeDirectory(full, depth: 1) && subdirectoriesOurs
            case S_IFREG where isWeight(name):
                weights.append(name)
            case S_IFREG:
                others.append(name)
            default:
                let shown = (st.st_mode & S_IFMT) == S_IFDIR ? name + "/" : name
                throw SafeTensorsError.outputHoldsOtherFiles(path: path, entry: shown)
            }
        }
        let metadata = weights.map { self.metadata(path + "/" + $0) }
        let marked = metadata.compactMap { $0 }.filter(isMarked)
        let listed = Set(marked.flatMap { listedFiles($0) })
        for name in others
        where !knownFiles.contains(name) && !name.hasSuffix(".safetensors.index.json")
            && !listed.contains(name)
        {
            throw SafeTensorsError.outputHoldsOtherFiles(path: path, entry: name)
        }
        return subdirectoriesOurs && marked.count == weights.count
            && (!weights.isEmpty || others.isEmpty)
    }

    /// The names a marked weight file lists under `filesKey`.
    static func listedFiles(_ metadata: [String: String]) -> [String] {
        guard let text = metadata[filesKey],
            let list = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String]
        else { return [] }
        return list
    }

    /// The `filesKey` pair for a directory output holding `names` besides its weights, or
    /// `nil` when every name is a known checkpoint file.
    static func filesPair(_ names: [String]) -> (key: String, value: String)? {
        let unusual = names.filter { !knownFiles.contains($0) }.sorted()
        guard !unusual.isEmpty else { return nil }
        return (filesKey, "[" + unusual.map(JSONText.quoted).joined(separator: ",") + "]")
    }
}
