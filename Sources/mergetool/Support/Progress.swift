import Foundation
import Merging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress display on stderr for long merges: tensors done, throughput and time
/// left, redrawn at most 4 times a second. Silent unless stderr is a terminal (and not
/// `--quiet`), so logs and pipes stay clean.
final class MergeProgressLine {
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    private let label: String

    init(label: String, quiet: Bool) {
        self.label = label
        enabled = !quiet && isatty(2) != 0
    }

    /// Redraws the line for `p` (rate-limited; always draws the last tensor).
    func update(_ p: MergeProgress) {
        guard enabled else { return }
        let now = Date()
        guard p.tensorsDone == p.tensorsTotal || now.timeIntervalSince(lastDraw) >= 0.25 else {
            return
        }
        lastDraw = now
        let elapsed = max(1e-3, now.timeIntervalSince(start))
        let rate = Double(p.bytesRead) / elapsed
        let left = rate > 0 ? Double(p.bytesTotal - p.bytesRead) / rate : 0
        let line = String(
            format: "%@: %d/%d tensors, %.2f GB/s, %@ left",
            label, p.tensorsDone, p.tensorsTotal, rate / 1e9, Self.clock(left))
        FileHandle.standardError.write(Data(("\r\u{1b}[K" + line).utf8))
        drawn = true
    }

    /// Ends the line (call once after the merge).
    func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1b}[K".utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%d:%02d", s / 60, s % 60)
    }
}
