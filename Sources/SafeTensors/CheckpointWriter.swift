import Foundation

/// Writes a checkpoint in the layout its path names, streaming one tensor at a time:
/// - `*.safetensors` → one file; `*.safetensors.zst` → one zstd-compressed file;
/// - anything else → a Hugging Face directory: `model.safetensors`, or with `shardSize`
///   `model-00001-of-0000N.safetensors` + `model.safetensors.index.json` (`metadata.total_size`
///   = sum of tensor bytes, `weight_map` sorted by name). With `compressShards` the directory's
///   weight files are `.safetensors.zst`, which `Checkpoint.open` reads too.
///
/// Shards are filled greedily in tensor order: a new shard starts when the next tensor would
/// take the current one past `shardSize` (a tensor larger than `shardSize` gets its own).
/// Nothing appears at `path` until `finish()` succeeds: files are written under temporary names
/// (a directory is assembled as a `StagedDirectory` beside `path`), fsynced and renamed in; an
/// existing output is replaced only then, atomically, and only if `replacing` allows it
/// (checked up front and again at the end). Missing parent directories are created.
/// `abort()`, a thrown error or deinit leaves nothing behind.
///
/// - Complexity: memory is one write buffer (4 MiB) plus zstd's window; never a tensor.
public final class CheckpointWriter {
    public let path: String
    public let isDirectory: Bool
    /// Tensors of each output file, in append order; `fileNames[k]` is file k's name.
    let plan: [[TensorInfo]]
    let fileNames: [String]
    private let metadata: [(key: String, value: String)]
    private let compressionLevel: Int
    let auxiliaryFrom: String?
    let extraFiles: [String: [UInt8]]
    private let compressShards: Bool
    private let copyCounter: CopyCounter?
    /// The directory being assembled (directory outputs only).
    private let staging: StagedDirectory?
    private let replacing: OutputReplacement
    /// Parent directories created for a file output (removed again on abort if empty).
    private var createdParents: [String] = []
    /// Where the files are written: inside the staged directory, or `path` itself.
    private var stagingDir: String? { staging?.temporaryPath }
    private var fileIndex = 0
    private var writer: SafeTensorsWriter?
    private var state = State.writing
    public private(set) var writtenFiles: [String] = []

    private enum State { case writing, finished, aborted }

    /// - Parameters:
    ///   - tensors: tensors in the order their bytes will be appended.
    ///   - shardSize: maximum bytes of tensor data per shard (directory outputs only).
    ///   - inputs: paths the output must not be, be inside, or contain.
    ///   - auxiliaryFrom: a checkpoint directory whose non-weight regular files (config.json,
    ///     tokenizer files, …) are copied into a directory output.
    ///   - extraFiles: more files for a directory output, by name (they win over copied ones).
    ///   - compressShards: write a directory's weight files as `.safetensors.zst`.
    ///   - replacing: what an existing `path` may be (`OutputReplacement`).
    ///   - copyCounter: counts the in-kernel copies of every file (tests, benchmarks).
    /// - Throws: `.outputIsInput`, the `OutputReplacement.check` errors, `.writerMisuse`
    ///   (shards for a single file, duplicate names), I/O errors creating the temporary output.
    public init(
        path: String, tensors: [TensorInfo], metadata: [(key: String, value: String)],
        shardSize: Int? = nil, inputs: [String] = [], auxiliaryFrom: String? = nil,
        extraFiles: [String: [UInt8]] = [:], compressionLevel: Int = 3,
        compressShards: Bool = false, replacing: OutputReplacement = .anyCheckpoint,
        copyCounter: CopyCounter? = nil
    ) throws {
        try OutputGuard.check(output: path, inputs: inputs)
        self.replacing = replacing
        var seen = Set<ExactName>()
        for t in tensors where !seen.insert(ExactName(t.name)).inserted {
            throw SafeTensorsError.duplicateTensor(name: t.name, files: [path])
        }
        self.path = path
        self.compressionLevel = compressionLevel
        self.auxiliaryFrom = auxiliaryFrom
        self.extraFiles = extraFiles
        self.compressShards = compressShards
        self.copyCounter = copyCounter
        isDirectory = !(path.hasSuffix(".safetensors") || path.hasSuffix(".safetensors.zst"))
        if !isDirectory {
            if shardSize != nil {
                throw SafeTensorsError.writerMisuse(
                    file: path,
                    reason: "a shard size needs a directory output (not a .safetensors path)")
            }
            try replacing.check(path, directoryOutput: false)
            plan = [tensors]
            fileNames = [path]
            self.metadata = metadata
            staging = nil
            createdParents = try OutputPath.createDirectories(try OutputPath.split(path).dir)
        } else {
            if let s = shardSize, s <= 0 { throw SafeTensorsError.invalidSize(text: "\(s)") }
            let plan = CheckpointWriter.shards(tensors, maxBytes: shardSize)
            let ext = compressShards ? ".safetensors.zst" : ".safetensors"
            self.plan = plan
            if plan.count == 1 {
                fileNames = ["model" + ext]
            } else {
                let n = plan.count
                fileNames = (1...n).map { "model-\(Self.pad($0))-of-\(Self.pad(n))" + ext }
            }
            // non-weight files outside the usual ones are listed, so a rerun may replace them
            let names = try Self.auxiliaryFiles(in: auxiliaryFrom ?? "") + extraFiles.keys
            self.metadata = metadata + (OutputReplacement.filesPair(names).map { [$0] } ?? [])
            staging = try StagedDirectory(path: path, inputs: inputs, replacing: replacing)
        }
        do {
            try openFile(0)
            try advance()
        } catch {
            abort()
            throw shown(error)
        }
    }

    deinit { if state == .writing { abort() } }

    /// The tensor whose bytes are expected next, or `nil` when all are written.
    public var currentTensor: TensorInfo? { writer?.currentTensor }

    /// Appends bytes of the current tensor (a chunk may not cross into the next tensor).
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard state == .writing, let w = writer else {
            throw SafeTensorsError.writerMisuse(
                file: path, reason: "\(bytes.count) bytes after the last tensor")
        }
        do {
            try w.append(bytes)
            try advance()
        } catch {
            abort()
            throw shown(error)
        }
    }

    /// Appends all bytes of tensor `name` (which must be the current tensor, with the same
    /// dtype and shape) from `store`: with copy_file_range(2) between plain files, else in
    /// 8 MiB chunks, releasing the source's pages behind.
    /// Empty tensors need no bytes (the writer passes them by itself): copying one is a no-op.
    public func copy(_ name: String, from store: any TensorStore) throws {
        if let info = store.info(name), info.byteCount == 0, state == .writing { return }
        guard let current = currentTensor, current.name.bytesEqual(name) else {
            abort()
            throw SafeTensorsError.writerMisuse(
                file: path,
                reason:
                    "copy of '\(name)' but the next tensor is '\(currentTensor?.name ?? "none")'")
        }
        guard let info = store.info(name), info.dtype == current.dtype, info.shape == current.shape
        else {
            abort()
            throw SafeTensorsError.writerMisuse(
                file: path,
                reason: "tensor '\(name)' in \(store.label) does not match the declared dtype/shape"
            )
        }
        guard let w = writer else { return }
        do {
            try w.copy(name, from: store)  // in-kernel copy when both sides are plain files
            try advance()
        } catch {
            abort()
            throw shown(error)
        }
    }

    /// Completes every file, writes the index and auxiliary files, and moves the output into
    /// place (replacing an existing one).
    public func finish() throws {
        guard state == .writing else {
            throw SafeTensorsError.writerMisuse(file: path, reason: "finish after finish or abort")
        }
        do {
            if let current = currentTensor {
                throw SafeTensorsError.writerMisuse(
                    file: path, reason: "finished before tensor '\(current.name)' was complete")
            }
            if staging == nil { try replacing.check(path, directoryOutput: false) }
            try writer?.finish()
            writer = nil
            if let staged = staging {
                if fileNames.count > 1 { try writeIndex(into: staged.temporaryPath) }
                try copyAuxiliary(into: staged.temporaryPath)
                let names = try Self.listDirectory(staged.temporaryPath)
                try staged.commit()
                writtenFiles = names.map { (path as NSString).appendingPathComponent($0) }
            } else {
                writtenFiles = [path]
            }
            state = .finished
        } catch {
            abort()
            throw shown(error)
        }
    }

    /// `error` with our temporary names in its path shown as the names they stand for
    /// (`dir/.out.tmp-…/model.safetensors` → `dir/out/model.safetensors`).
    private func shown(_ error: any Error) -> any Error {
        guard case let .io(p, op, code, message) = error as? SafeTensorsError else { return error }
        let parts = p.split(separator: "/", omittingEmptySubsequences: false).map { part in
            StaleTemporaries.parse(String(part)).map { $0.base } ?? String(part)
        }
        return SafeTensorsError.io(
            path: parts.joined(separator: "/"), operation: op, errno: code, message: message)
    }

    /// Discards everything written so far.
    public func abort() {
        guard state == .writing else { return }
        state = .aborted
        writer?.abort()
        writer = nil
        staging?.abort()
        OutputPath.removeEmpty(createdParents)
    }

    /// When the current file has all its tensors and another file follows, completes it and
    /// opens the next. The last file is completed by `finish()`.
    private func advance() throws {
        while let w = writer, w.currentTensor == nil, fileIndex + 1 < plan.count {
            try w.finish()
            writer = nil
            try openFile(fileIndex + 1)
        }
    }

    private func openFile(_ k: Int) throws {
        fileIndex = k
        let target =
            stagingDir.map { ($0 as NSString).appendingPathComponent(fileNames[k]) }
            ?? fileNames[k]
        writer = try SafeTensorsWriter(
            path: target, tensors: plan[k], metadata: metadata, compressionLevel: compressionLevel,
            copyCounter: copyCounter)
    }

    static func pad(_ k: Int) -> String {
        let s = String(k)
        return String(repeating: "0", count: max(0, 5 - s.count)) + s
    }

    /// Greedy sharding in order; at least one (possibly empty) file.
    static func shards(_ tensors: [TensorInfo], maxBytes: Int?) -> [[TensorInfo]] {
        guard let limit = maxBytes else { return [tensors] }
        var out: [[TensorInfo]] = [[]]
        var size = 0
        for t in tensors {
            if !out[out.count - 1].isEmpty && size + t.byteCount > limit {
                out.append([])
                size = 0
            }
            out[out.count - 1].append(t)
            size += t.byteCount
        }
        return out
    }
}
