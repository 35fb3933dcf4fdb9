import Foundation

/// Writes one safetensors file as a stream: the header is computed up front from the tensor
/// list, then each tensor's bytes are appended in header order, in chunks of any size.
/// Memory holds one write buffer, never a tensor or a model.
///
/// The file appears at `path` only when `finish()` succeeds (written beside it under a
/// temporary name, then renamed); a writer dropped before that leaves nothing behind.
/// A path ending in `.zst` is written as one zstd stream of the plain file.
public final class SafeTensorsWriter {
    public let path: String
    public let header: Header
    private let file: AtomicFile
    private let sink: ByteSink
    private var tensorIndex = 0
    private var writtenInTensor = 0
    /// Whole tensors copied from a plain file whose bytes are one contiguous range there,
    /// not yet written: copied by one copy_file_range when the run ends (`flushPending`).
    private var pending: PendingRange?

    private struct PendingRange {
        let file: String
        let start: Int
        var end: Int
        var tensors: [(name: String, store: any TensorStore)]
    }

    /// - Parameters:
    ///   - tensors: tensors in the order their bytes will be appended.
    ///   - metadata: the `__metadata__` pairs.
    ///   - copyCounter: counts the in-kernel copies (tests, benchmarks).
    public init(
        path: String, tensors: [TensorInfo], metadata: [(key: String, value: String)] = [],
        compressionLevel: Int = 3, copyCounter: CopyCounter? = nil
    ) throws {
        var seen = Set<ExactName>()
        for t in tensors where !seen.insert(ExactName(t.name)).inserted {
            throw SafeTensorsError.duplicateTensor(name: t.name, files: [path])
        }
        for t in tensors
        where t.dtype.byteCount(elements: t.elementCount).map({ _ in
            t.elementCount * t.dtype.bits % 8 != 0
        }) ?? true {
            throw SafeTensorsError.invalidShape(
                file: path, tensor: t.name, reason: "not a whole number of bytes")
        }
        self.path = path
        header = Header(tensors: tensors, metadata: metadata)
        file = try AtomicFile(path: path)
        file.copyCounter = copyCounter
        let prefix = header.serialisedPrefix()
        if path.hasSuffix(".zst") {
            let workers = ProcessInfo.processInfo.activeProcessorCount >= 2 ? 2 : 0
            sink = try ZstdSink(
                wrapping: file, level: compressionLevel, label: path,
                workers: workers, pledgedSize: prefix.count + header.dataSize)
        } else {
            sink = file
        }
        try prefix.withUnsafeBytes { try sink.write($0) }
        try WriteFaults.reach(.header, file.temporaryPath)
        skipEmptyTensors()
    }

    /// The tensor whose bytes are expected next, or `nil` when all are written.
    public var currentTensor: TensorInfo? {
        tensorIndex < header.entries.count ? header.entries[tensorIndex].info : nil
    }

    /// Appends bytes of the current tensor (a chunk may not cross into the next tensor).
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let current = currentTensor else {
            throw SafeTensorsError.writerMisuse(
                file: path, reason: "\(bytes.count) bytes written after the last tensor")
        }
        let remaining = current.byteCount - writtenInTensor
        guard bytes.count <= remaining else {
            throw SafeTensorsError.writerMisuse(
                file: path,
                reason: "tensor '\(current.name)' has \(remaining) bytes left, got \(bytes.count)")
        }
        try WriteFaults.reach(.data, file.temporaryPath)
        try flushPending()
        try sink.write(bytes)
        writtenInTensor += bytes.count
        if writtenInTensor == current.byteCount {
            tensorIndex += 1
            writtenInTensor = 0
            skipEmptyTensors()
        }
    }

    /// Appends all bytes of tensor `name` from `store`, in chunks of `chunkBytes`, releasing
    /// mapped pages behind it. Whole tensors of a plain file into a plain file are copied by
    /// the kernel, and a run of tensors that are contiguous in one source file (the usual
    /// case for a byte copy: same order, same sizes) by one copy_file_range over the run,
    /// issued when the run ends (the next append, a non-adjacent copy, or `finish`).
    public func copy(_ name: String, from store: any TensorStore, chunkBytes: Int = 8 << 20) throws
    {
        guard let info = store.info(name) else {
            throw SafeTensorsError.unknownTensor(name: name, file: store.label)
        }
        if info.byteCount == 0 { return }  // empty tensors are passed by themselves
        guard let current = currentTensor, current.name.bytesEqual(name),
            current.byteCount == info.byteCount
        else {
            throw SafeTensorsError.writerMisuse(
                file: path,
                reason:
                    "copy of '\(name)' but the next tensor is '\(currentTensor?.name ?? "none")'")
        }
        try WriteFaults.reach(.data, file.temporaryPath)
        if writtenInTensor == 0, sink === file, let handle = store.handle(name),
            handle.mapping != nil
        {
            let range = handle.byteRange
            if var run = pending, run.file == handle.file, run.end == range.lowerBound {
                run.end = range.upperBound
                run.tensors.append((name, store))
                pending = run
            } else {
                try flushPending()
                pending = PendingRange(
                    file: handle.file, start: range.lowerBound, end: range.upperBound,
                    tensors: [(name, store)])
            }
            tensorIndex += 1
            skipEmptyTensors()
            return
        }
        try flushPending()
        var start = 0
        while start < info.byteCount {
            let end = min(info.byteCount, start + chunkBytes)
            try store.withBytes(of: name, in: start..<end) { try append($0) }
            store.release(name, in: start..<end)
            start = end
        }
    }

    /// Writes the pending run of contiguous tensors: one in-kernel copy, or, where the kernel
    /// or filesystem cannot, through memory in 8 MiB chunks.
    private func flushPending() throws {
        guard let run = pending else { return }
        pending = nil
        if try file.appendFileRange(source: run.file, offset: run.start, count: run.end - run.start)
        {
            return
        }
        let step = 8 << 20
        for (name, store) in run.tensors {
            let count = store.info(name)?.byteCount ?? 0
            var start = 0
            while start < count {
                let end = min(count, start + step)
                try store.withBytes(of: name, in: start..<end) { try sink.write($0) }
                store.release(name, in: start..<end)
                start = end
            }
        }
    }

    private func skipEmptyTensors() {
        while tensorIndex < header.entries.count, header.entries[tensorIndex].info.byteCount == 0 {
            tensorIndex += 1
        }
    }

    /// Checks every tensor was written in full, then moves the file into place.
    public func finish() throws {
        if let current = currentTensor {
            file.abort()
            throw SafeTensorsError.writerMisuse(
                file: path, reason: "finished before tensor '\(current.name)' was complete")
        }
        try flushPending()
        try sink.finish()
        try file.commit()
    }

    /// Discards the partial output.
    public func abort() {
        pending = nil
        file.abort()
    }
}
