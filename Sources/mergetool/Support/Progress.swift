import Diagnostics
import Foundation
import Merging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a long command is: `done` of `total` units (tensors, pieces, steps, checkpoints),
/// optionally bytes read so far of a known total, and a short detail (e.g. the last loss).
struct Progress: Equatable, Sendable {
    var done: Int
    var total: Int
    var bytes: Int?
    var bytesTotal: Int?
    var detail: String?

    init(done: Int, total: Int, bytes: Int? = nil, bytesTotal: Int? = nil, detail: String? = nil) {
        self.done = done
        self.total = total
        self.bytes = bytes
        self.bytesTotal = bytesTotal
        self.detail = detail
    }

    /// A merge after each tensor.
    init(_ p: MergeProgress) {
        self.init(
            done: p.tensorsDone, total: p.tensorsTotal, bytes: p.bytesRead,
            bytesTotal: p.bytesTotal)
    }

    /// The angle analysis after each piece.
    init(_ p: AngleProgress) {
        self.init(
            done: p.piecesDone, total: p.piecesTotal, bytes: p.bytesDone,
            bytesTotal: p.bytesTotal)
    }

    /// The text of the line after `elapsed` seconds:
    /// `LABEL: done/total UNIT[, R GB/s][, DETAIL][, m:ss left]` (time left once something is
    /// done: by bytes when known, else by units).
    func text(label: String, unit: String, elapsed: Double) -> String {
        var parts = ["\(label): \(done)/\(total) \(unit)"]
        let elapsed = max(1e-3, elapsed)
        var fraction = total > 0 ? Double(done) / Double(total) : 1
        if let bytes, let bytesTotal, bytesTotal > 0 {
            parts.append(String(format: "%.2f GB/s", Double(bytes) / elapsed / 1e9))
            fraction = Double(bytes) / Double(bytesTotal)
        }
        if let detail { parts.append(detail) }
        if fraction > 0 { parts.append(Self.clock(elapsed * (1 - fraction) / fraction) + " left") }
        return parts.joined(separator: ", ")
    }

    /// `m:ss`, or `h:mm:ss` from an hour on.
    static func clock(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// The one progress display of every long command (merges, angles, convert, train, eval):
/// a single line on stderr, redrawn at most 4 times a second (and always at the last unit).
/// Silent unless stderr is a terminal and `--quiet` is off, so logs and pipes stay clean.
/// Safe to update from any thread.
final class ProgressLine: @unchecked Sendable {
    let label: String
    let unit: String
    let enabled: Bool
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String, unit: String, quiet: Bool) {
        self.label = label
        self.unit = unit
        enabled = !quiet && isatty(2) != 0
    }

    /// Redraws the line for `p` (rate-limited).
    func update(_ p: Progress) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard p.done >= p.total || now.timeIntervalSince(lastDraw) >= 0.25 else { return }
        lastDraw = now
        let line = p.text(label: label, unit: unit, elapsed: now.timeIntervalSince(start))
        FileHandle.standardError.write(Data(("\r\u{1b}[K" + line).utf8))
        drawn = true
    }

    /// Clears the line (call once at the end, also after a failure).
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1b}[K".utf8))
        drawn = false
    }
}

/// Writes one line to stderr.
func stderrLine(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
