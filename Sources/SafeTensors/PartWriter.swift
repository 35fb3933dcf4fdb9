import Foundation

/// Writes one part's weight files of a partitioned checkpoint (`PartCommit`), streaming one
/// tensor at a time: the files are written in order, each through a `SafeTensorsWriter`
/// (temporary name, fsync, rename), so a file appears under its final name only complete.
/// `abort()`, a thrown error or deinit removes every file this writer committed.
///
/// Same contract as `CheckpointWriter`: `append` the bytes of `currentTensor` (or `copy` it),
/// then `finish`.
/// - Complexity: memory is one write buffer (4 MiB) plus zstd's window; never a tensor.
public final class PartWriter {
    /// The directory the files are written into.
    public let directory: String
    /// The files, in write order, with their tensors.
    public let files: [PartCommit.File]
    private let metadata: [(key: String, value: String)]
    private let compressionLevel: Int
    private var fileIndex = -1
    private var writer: SafeTensorsWriter?
    private var committed: [String] = []
    private var done = false

    /// - Parameters:
    ///   - directory: must exist (see `PartCommit.prepareDirectory`).
    ///   - files: this part's files (`PartCommit.files`); may be empty.
    ///   - metadata: the `__metadata__` of every file.
    public init(
        directory: String, files: [PartCommit.File], metadata: [(key: String, value: String)],
        compressionLevel: Int = 3
    ) throws {
        self.directory = directory
        self.files = files
        self.metadata = metadata
        self.compressionLevel = compressionLevel
        do {
            try advance()
        } catch {
            abort()
            throw error
        }
    }

    deinit { if !done { abort() } }

    /// The tensor whose bytes are expected next, or `nil` when all are written.
    public var currentTensor: TensorInfo? { writer?.currentTensor }

    /// Appends bytes of the current tensor.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard !done, let w = writer else {
            throw SafeTensorsError.writerMisuse(
                file: directory, reason: "\(bytes.count) bytes after the last tensor")
        }
        do {
            try w.append(bytes)
            try advance()
        } catch {
            abort()
            throw error
        }
    }

    /// Appends all bytes of tensor `name` (the current tensor) from `store`.
    public func copy(_ name: String, from store: any TensorStore) throws {
        if let info = store.info(name), info.byteCount == 0, !done { return }
        guard let w = writer, let current = w.currentTensor, current.name.bytesEqual(name) else {
            abort()
            throw SafeTensorsError.writerMisuse(
                file: directory,
                reason:
                    "copy of '\(name)' but the next tensor is '\(currentTensor?.name ?? "none")'")
        }
        do {
            try w.copy(name, from: store)
            try advance()
        } catch {
            abort()
            throw error
        }
    }

    /// Checks every tensor was written; the files are all committed by then.
    public func finish() throws {
        if let current = currentTensor {
            abort()
            throw SafeTensorsError.writerMisuse(
                file: directory, reason: "finished before tensor '\(current.name)' was complete")
        }
        done = true
    }

    /// Removes the files written so far (and the one being written).
    public func abort() {
        guard !done else { return }
        done = true
        writer?.abort()
        writer = nil
        for path in committed { _ = unlink(path) }
        committed = []
    }

    /// Commits each complete file and opens the next, until one expects bytes or none is left.
    private func advance() throws {
        while writer?.currentTensor == nil {
            if let w = writer {
                try w.finish()
                committed.append(w.path)
                writer = nil
            }
            guard fileIndex + 1 < files.count else { return }
            fileIndex += 1
            let file = files[fileIndex]
            writer = try SafeTensorsWriter(
                path: (directory as NSString).appendingPathComponent(file.name),
                tensors: file.tensors, metadata: metadata, compressionLevel: compressionLevel)
        }
    }
}
