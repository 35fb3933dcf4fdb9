import CZstd

/// Compresses everything written to it as one zstd frame into the wrapped sink, so that
/// `zstd -d` of the result gives back the written bytes exactly.
///
/// When `pledgedSize` is given the frame header records the content size (readers use it to
/// validate a `.safetensors.zst` without decompressing it first) and libzstd checks it.
///
/// - Complexity: O(n) time; memory is libzstd's window plus one output buffer
///   (`ZSTD_CStreamOutSize()`, ~128 KiB), whatever the input size.
final class ZstdSink: ByteSink {
    private let sink: ByteSink
    private let label: String
    private let cctx: OpaquePointer
    private var out: UnsafeMutableRawBufferPointer
    private var finished = false

    /// - Parameters:
    ///   - level: zstd compression level (1…19; 3 is zstd's default).
    ///   - workers: libzstd worker threads (0 = compress on the calling thread).
    ///   - pledgedSize: the exact number of bytes that will be written, if known.
    init(
        wrapping sink: ByteSink, level: Int, label: String, workers: Int = 0,
        pledgedSize: Int? = nil
    ) throws {
        guard let cctx = ZSTD_createCCtx() else {
            throw SafeTensorsError.zstd(file: label, message: "cannot create a compression context")
        }
        self.sink = sink
        self.label = label
        self.cctx = cctx
        out = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 64)
        try withZstdErrors(file: label) {
            try zstdChecked(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(level)))
            try zstdChecked(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1))
            if workers > 0 {
                // A libzstd built without threads refuses: compress single-threaded then.
                _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, Int32(workers))
            }
            if let n = pledgedSize {
                try zstdChecked(ZSTD_CCtx_setPledgedSrcSize(cctx, UInt64(n)))
            }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while input.pos < input.size {
            try step(&input, ZSTD_e_continue)
        }
    }

    func finish() throws {
        guard !finished else { return }
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&input, ZSTD_e_end) != 0 {}
        finished = true
        try sink.finish()
    }

    /// One `ZSTD_compressStream2` call; drains the output buffer into the sink.
    @discardableResult
    private func step(_ input: inout ZSTD_inBuffer, _ mode: ZSTD_EndDirective) throws -> Int {
        var output = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
        let remaining = try withZstdErrors(file: label) {
            try zstdChecked(ZSTD_compressStream2(cctx, &output, &input, mode))
        }
        if output.pos > 0 {
            try sink.write(UnsafeRawBufferPointer(rebasing: out[0..<output.pos]))
        }
        return remaining
    }

    deinit {
        ZSTD_freeCCtx(cctx)
        out.deallocate()
    }
}
