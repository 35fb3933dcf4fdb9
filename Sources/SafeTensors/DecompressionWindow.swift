import CZstd

/// A forward-only zstd decompressor over a mapped input, holding the decompressed bytes
/// `[start, end)` of the plain stream in one growable buffer.
///
/// `lend(range, keepBehind:)` returns `range` contiguously: it decompresses forward until the
/// range is in the window, dropping bytes more than `keepBehind` before the range when the
/// buffer needs room; a range that starts before the window restarts from the top.
/// Compressed bytes to decompress: a mapped file (pages dropped behind the reader) or an owned
/// copy held in memory.
final class CompressedInput: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapped: MappedFile?
    private let owned: UnsafeMutableRawBufferPointer?

    init(file: MappedFile) {
        mapped = file
        owned = nil
        bytes = file.bytes
    }

    init(copying source: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(1, source.count), alignment: 16)
        source.withUnsafeBytes { buffer.copyMemory(from: $0) }
        owned = buffer
        mapped = nil
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<source.count])
    }

    func release(_ range: Range<Int>) { mapped?.release(range) }

    /// The file behind a mapped input.
    var filePath: String? { mapped?.path }

    deinit { owned?.deallocate() }
}

struct DecompressionWindow {
    /// Minimum free space to decompress into at each step.
    static let step = 4 << 20
    private let input: CompressedInput
    private let label: String
    private var dctx: OpaquePointer
    private var inPos = 0
    private var released = 0
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// The stream has ended (all input consumed, last frame complete).
    private var atEnd = false
    /// How many times the stream was restarted from the top (for tests and diagnostics).
    private(set) var restarts = 0
    private let owner: Owner

    /// Frees the context and buffer when the last copy of the window goes away.
    private final class Owner {
        var dctx: OpaquePointer
        var buffer: UnsafeMutableRawBufferPointer
        init(_ d: OpaquePointer, _ b: UnsafeMutableRawBufferPointer) { dctx = d; buffer = b }
        deinit { ZSTD_freeDCtx(dctx); buffer.deallocate() }
    }

    init(input: CompressedInput, label: String) throws {
        guard let d = ZSTD_createDCtx() else {
            throw SafeTensorsError.zstd(
                file: label, message: "cannot create a decompression context")
        }
        self.input = input
        self.label = label
        dctx = d
        buffer = .allocate(byteCount: Self.step * 2, alignment: 64)
        owner = Owner(d, buffer)
    }

    /// Bytes held by the window buffer.
    var capacity: Int { buffer.count }

    /// Decompresses everything, keeping nothing; returns the plain size.
    mutating func countToEnd() throws -> Int {
        while !atEnd {
            start = end
            try decompressStep()
        }
        return end
    }

    /// The plain bytes `range`, valid until the next call.
    mutating func lend(_ range: Range<Int>, keepBehind: Int) throws -> UnsafeRawBufferPointer {
        if range.lowerBound < start { try restart() }
        while end < range.upperBound {
            if atEnd {
                throw SafeTensorsError.zstd(
                    file: label,
                    message: "stream ends at byte \(end), before byte \(range.upperBound)")
            }
            // Drop what is neither requested nor cached, only when room is needed.
            if buffer.count - (end - start) < Self.step {
                let keepFrom = max(start, min(end, range.lowerBound - keepBehind))
                discard(upTo: keepFrom)
            }
            // Still no room: the window is all requested or cached bytes.
            if buffer.count - (end - start) < Self.step { grow(to: end - start + Self.step) }
            try decompressStep()
        }
        let lo = range.lowerBound - start
        return UnsafeRawBufferPointer(rebasing: buffer[lo..<(lo + range.count)])
    }

    private mutating func discard(upTo offset: Int) {
        guard offset > start else { return }
        let kept = end - offset
        if kept > 0, let base = buffer.baseAddress {
            base.copyMemory(from: base + (offset - start), byteCount: kept)
        }
        start = offset
    }

    private mutating func grow(to count: Int) {
        let bigger = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(count, buffer.count * 3 / 2), alignment: 64)
        if end > start {
            bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<(end - start)]))
        }
        buffer.deallocate()
        buffer = bigger
        owner.buffer = bigger
    }

    private mutating func restart() throws {
        ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only)
        restarts += 1
        inPos = 0
        released = 0
        start = 0
        end = 0
        atEnd = false
    }

    /// Decompresses into the free part of the buffer; sets `atEnd` at a clean end of input.
    private mutating func decompressStep() throws {
        let used = end - start
        var output = ZSTD_outBuffer(
            dst: buffer.baseAddress! + used, size: buffer.count - used, pos: 0)
        var inBuf = ZSTD_inBuffer(src: input.bytes.baseAddress, size: input.bytes.count, pos: inPos)
        let before = inPos
        let r = try withZstdErrors(file: label) {
            try zstdChecked(ZSTD_decompressStream(dctx, &output, &inBuf))
        }
        inPos = inBuf.pos
        end += output.pos
        if inPos - released >= Self.step {  // compressed pages behind us: drop them
            input.release(released..<inPos)
            released = inPos
        }
        if r == 0 && inPos == input.bytes.count {
            atEnd = true
        } else if output.pos == 0 && inPos == before {
            throw SafeTensorsError.zstd(
                file: label,
                message: inPos == input.bytes.count ? "truncated stream" : "no progress")
        }
    }
}
