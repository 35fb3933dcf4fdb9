import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The parent's ends of a child's three pipes: writes `input` to stdin while reading stdout
/// (bounded, line lengths checked) and the tail of stderr, in one `poll` loop.
struct ChildIO {
    private var stdin: Int32
    private var stdout: Int32
    private var stderr: Int32
    private let input: [UInt8]
    private var written = 0
    private let limits: ChildProcess.Limits
    private(set) var stdoutBytes: [UInt8] = []
    private var stderrKept: [UInt8] = []
    /// Bytes of the stdout line being read, and 1-based number of that line.
    private var lineLength = 0
    private var lineNumber = 1

    init(stdin: Int32, stdout: Int32, stderr: Int32, input: [UInt8], limits: ChildProcess.Limits) {
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.input = input
        self.limits = limits
        for fd in [stdin, stdout, stderr] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    /// The last `limits.stderrTail` bytes of stderr.
    var stderrBytes: [UInt8] { Array(stderrKept.suffix(limits.stderrTail)) }

    /// Moves bytes until the child `pid` exits (then drains what its pipes already hold and
    /// returns nil), the timeout passes or an output limit is exceeded (returns that ending).
    mutating func pump(pid: pid_t, timeout: Double) -> ChildProcess.Ending? {
        let start = DispatchTime.now().uptimeNanoseconds
        let budget = timeout * 1e9
        if input.isEmpty { closeStdin() }
        while true {
            if ProcessTree.hasExited(pid) {
                closeStdin()
                return drain()
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
            if elapsed >= budget { return .timedOut }
            var fds: [pollfd] = []
            if stdin >= 0 { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            for fd in [stdout, stderr] where fd >= 0 {
                fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            }
            // Short slices: the child's exit is checked between them (its pipes may be held
            // open by a grandchild, so end of file is not the signal to stop).
            let slice = fds.isEmpty ? 1.0 : 20.0
            let wait = Int32(max(0, min(slice, (budget - elapsed) / 1e6)).rounded(.up))
            if poll(&fds, nfds_t(fds.count), wait) <= 0 { continue }
            for p in fds where p.revents != 0 {
                if p.fd == stdin {
                    writeInput()
                } else if let ending = readAvailable(p.fd) {
                    return ending
                }
            }
        }
    }

    /// Reads what the pipes hold now, without waiting for more (bounded to 1 s of a
    /// grandchild that keeps writing).
    private mutating func drain() -> ChildProcess.Ending? {
        let start = DispatchTime.now().uptimeNanoseconds
        while stdout >= 0 || stderr >= 0 {
            if DispatchTime.now().uptimeNanoseconds - start > 1_000_000_000 { break }
            var fds = [stdout, stderr].filter { $0 >= 0 }.map {
                pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
            }
            if poll(&fds, nfds_t(fds.count), 0) <= 0 { break }
            for p in fds where p.revents != 0 {
                if let ending = readAvailable(p.fd) { return ending }
            }
        }
        return nil
    }

    private mutating func writeInput() {
        guard stdin >= 0 else { return }
        let n = input.withUnsafeBytes { raw in
            write(stdin, raw.baseAddress! + written, min(raw.count - written, 1 << 16))
        }
        if n > 0 {
            written += n
            if written == input.count { closeStdin() }
        } else if n < 0 && errno != EAGAIN && errno != EINTR {
            // EPIPE: the command exited or closed stdin without reading; its status tells.
            closeStdin()
        }
    }

    /// Reads one chunk from `fd`; closes it at end of file.
    private mutating func readAvailable(_ fd: Int32) -> ChildProcess.Ending? {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return nil }
        }
        if n <= 0 {
            if fd == stdout { Self.closeFD(&stdout) } else { Self.closeFD(&stderr) }
            return nil
        }
        let chunk = buffer[0..<n]
        if fd == stderr {
            stderrKept += chunk
            if stderrKept.count > 2 * limits.stderrTail {
                stderrKept.removeFirst(stderrKept.count - limits.stderrTail)
            }
            return nil
        }
        if stdoutBytes.count + n > limits.stdoutBytes { return .stdoutTooLarge }
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                lineNumber += 1
                lineLength = 0
            } else {
                lineLength += 1
                if lineLength > limits.lineBytes { return .lineTooLong(line: lineNumber) }
            }
        }
        stdoutBytes += chunk
        return nil
    }

    private mutating func closeStdin() { Self.closeFD(&stdin) }

    private static func closeFD(_ fd: inout Int32) {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Closes the pipes still open.
    mutating func closeAll() {
        Self.closeFD(&stdin)
        Self.closeFD(&stdout)
        Self.closeFD(&stderr)
    }
}
