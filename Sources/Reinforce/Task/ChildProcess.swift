import Foundation
import SafeTensors

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One child command run to completion with its input written, its output read with bounds,
/// and none of its processes left behind.
///
/// The child is started with `posix_spawn` in a process group of its own
/// (`POSIX_SPAWN_SETPGROUP`, pgid = its pid), with an empty signal mask and default
/// dispositions for SIGINT, SIGTERM, SIGHUP, SIGPIPE and SIGXFSZ (mergetool blocks or
/// ignores those, and both are inherited across `exec`). While it runs its group, and an
/// action killing its descendants found in `/proc`, are registered with `SignalCleanup`, so
/// SIGINT/SIGTERM to mergetool kill the whole tree before exiting 130/143.
///
/// Completion is decided by the direct child's exit, not by end of file on its pipes: a
/// grandchild that keeps an inherited stdout open cannot hold the call. After the exit the
/// pipes are drained of what is already in them, then the whole tree is killed with SIGKILL:
/// the process group, and (Linux) every descendant found through the `/proc` parent chain or
/// through the marker variable `MERGETOOL_CHILD` inherited in its environment, which reaches
/// a descendant that left the group with `setsid`. mergetool is made a child subreaper
/// (`PR_SET_CHILD_SUBREAPER`), so orphans of the tree are reparented to it and reaped here.
/// The same happens on timeout and when an output limit is exceeded.
///
/// Not reached: a descendant that both left the group (`setsid`) and cleared its environment
/// after its parent died; off Linux, a descendant that left the group. A signal arriving
/// between `posix_spawn` and the registration (microseconds) leaves the child running.
/// - Complexity: one `poll` loop; memory O(`limits.stdoutBytes` + `limits.stderrTail`).
struct ChildProcess: Sendable {
    /// Bounds on what is kept of the child's output.
    struct Limits: Sendable, Equatable {
        /// Total bytes of stdout; more ends the run with `.stdoutTooLarge`.
        var stdoutBytes = 64 << 20
        /// Bytes of one stdout line (without its newline); more ends with `.lineTooLong`.
        var lineBytes = 64 << 10
        /// Bytes kept from the end of stderr (the rest is read and dropped).
        var stderrTail = 4096
    }

    /// How the run ended.
    enum Ending: Equatable, Sendable {
        case exited(status: Int32)
        case signaled(signal: Int32)
        case timedOut
        case stdoutTooLarge
        /// 1-based number of the line that exceeded `lineBytes`.
        case lineTooLong(line: Int)
        case launchFailed(reason: String)
    }

    struct Outcome: Sendable {
        var ending: Ending
        var stdout: [UInt8]
        /// The last `limits.stderrTail` bytes of stderr.
        var stderr: [UInt8]
    }

    /// argv; `arguments[0]` is the executable's path.
    let arguments: [String]
    /// Seconds before the child is killed.
    let timeout: Double
    var limits = Limits()

    /// `/bin/sh -c command`.
    static func shell(_ command: String, timeout: Double, limits: Limits = Limits())
        -> ChildProcess
    {
        ChildProcess(arguments: ["/bin/sh", "-c", command], timeout: timeout, limits: limits)
    }

    /// Runs the child with `input` on its stdin (then closed) and returns how it ended and
    /// what it printed. Every process of the child's tree is gone when this returns.
    func run(input: [UInt8]) -> Outcome {
        Self.prepareProcess()
        var pipes: [Int32] = []
        defer { for fd in pipes where fd >= 0 { close(fd) } }
        let token = Self.nextToken()
        // [stdin read, stdin write, stdout read, stdout write, stderr read, stderr write]
        let spawned: Spawned = Self.spawnLock.withLock {
            for _ in 0..<3 {
                guard let pair = Self.makePipe() else {
                    return .failure(String(cString: strerror(errno)))
                }
                pipes += [pair.0, pair.1]
            }
            return spawn(pipes: pipes, token: token)
        }
        let pid: pid_t
        switch spawned {
        case .failure(let reason):
            return Outcome(ending: .launchFailed(reason: reason), stdout: [], stderr: [])
        case .success(let p): pid = p
        }
        // Under SignalCleanup (the command line) a signal kills the group and, first, the
        // descendants that left it. Without install() nothing is handled, so nothing is
        // registered (a test calling cleanUp() cannot kill another test's child).
        var registrations: [SignalCleanup.Token] = []
        if SignalCleanup.isInstalled {
            registrations.append(SignalCleanup.register(processGroup: pid))
            registrations.append(
                SignalCleanup.register(action: {
                    ProcessTree.killDescendants(of: pid, token: token)
                }))
        }
        defer { for r in registrations { SignalCleanup.unregister(r) } }
        // Our ends only: the child's ends are closed here so end of file is seen.
        for i in [0, 3, 5] {
            close(pipes[i])
            pipes[i] = -1
        }
        var io = ChildIO(
            stdin: pipes[1], stdout: pipes[2], stderr: pipes[4], input: input, limits: limits)
        for i in [1, 2, 4] { pipes[i] = -1 }  // owned (and closed) by io from here
        let ending = io.pump(pid: pid, timeout: timeout)
        io.closeAll()
        let status = ProcessTree.terminate(leader: pid, token: token)
        let final: Ending
        switch ending {
        case .some(let e): final = e
        case .none:
            if let s = status, Self.exited(s) {
                final = .exited(status: Self.exitCode(s))
            } else {
                final = .signaled(signal: status.map(Self.termSignal) ?? SIGKILL)
            }
        }
        return Outcome(ending: final, stdout: io.stdoutBytes, stderr: io.stderrBytes)
    }

    private enum Spawned {
        case success(pid_t)
        case failure(String)
    }

    private func spawn(pipes: [Int32], token: String) -> Spawned {
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t?
            var attributes: posix_spawnattr_t?
        #else
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[0], 0)
        posix_spawn_file_actions_adddup2(&actions, pipes[3], 1)
        posix_spawn_file_actions_adddup2(&actions, pipes[5], 2)
        #if os(Linux)
            // Descriptors mergetool inherited without close-on-exec (a parent's pipes) are
            // not passed on: a reward command's survivor could hold them open.
            // glibc ≥ 2.34; not imported into Swift (a GNU extension), so looked up.
            typealias CloseFrom =
                @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
                _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            }
        #endif
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETPGROUP) | Int32(POSIX_SPAWN_SETSIGMASK)
        flags |= Int32(POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
            flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
            for fd: Int32 in 0...2 { posix_spawn_file_actions_addinherit_np(&actions, fd) }
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var environment = ProcessInfo.processInfo.environment
        environment[ProcessTree.markerName] = token
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        if rc != 0 { return .failure("\(arguments[0]): " + String(cString: strerror(rc))) }
        return .success(pid)
    }

    /// Pipes are made close-on-exec and children spawned under this lock, so a child spawned
    /// by another thread never inherits another child's pipe (it would hold its stdin open).
    private static let spawnLock = NSLock()

    /// A pipe whose two ends are close-on-exec (`pipe2` is not imported on Glibc).
    private static func makePipe() -> (Int32, Int32)? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    private static let counter = Counter()

    private static func nextToken() -> String {
        "\(getpid()).\(counter.next())"
    }

    /// Once per process: SIGPIPE ignored (a write to a child that stopped reading fails with
    /// EPIPE instead of killing us) and, on Linux, mergetool made a child subreaper.
    private static let prepared: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
        ProcessTree.becomeSubreaper()
    }()

    static func prepareProcess() { _ = prepared }

    // The wait-status macros are not imported into Swift.
    static func exited(_ status: Int32) -> Bool { status & 0x7f == 0 }
    static func exitCode(_ status: Int32) -> Int32 { (status >> 8) & 0xff }
    static func termSignal(_ status: Int32) -> Int32 { status & 0x7f }
}

/// A thread-safe counter for unique markers.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}
