import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The thread waiting for the handled signals (set once, before the forwarding handlers are
/// installed; read in those handlers).
nonisolated(unsafe) private var signalThread: pthread_t?

/// What a command undoes when it is interrupted: temporary paths it is writing and the process
/// groups of the child commands it runs.
///
/// `install()` (called once, first thing in `main`, before any thread exists) blocks SIGINT,
/// SIGTERM and SIGHUP in every thread and waits for them on one thread of its own; on a signal
/// it kills every registered process group with SIGKILL, removes every registered temporary
/// path, and exits with 128 + the signal (130 for SIGINT, 143 for SIGTERM). It also ignores
/// SIGXFSZ, so exceeding a file-size limit surfaces as `EFBIG` from `write` (an error line)
/// instead of killing the process with its temporary file left behind.
///
/// Writers register what they create and unregister it once it is renamed into place or
/// removed. A child process inherits the blocked signal mask across `exec`: spawn children with
/// an empty mask and default dispositions (`posix_spawnattr_setsigmask`,
/// `POSIX_SPAWN_SETSIGDEF`), in a process group of their own (`POSIX_SPAWN_SETPGROUP`), and
/// register that group here while it runs.
///
/// Without `install()` (tests, library use) registering is harmless and nothing is handled.
public enum SignalCleanup {
    /// A registration, to be passed back to `unregister`.
    public struct Token: Hashable, Sendable {
        let id: Int
    }

    /// The signals handled by `install()`.
    public static let handledSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var nextID = 0
        var paths: [Int: String] = [:]
        var groups: [Int: pid_t] = [:]
        var actions: [Int: @Sendable () -> Void] = [:]
        var installed = false
    }

    private static let state = State()

    /// Blocks the handled signals in the calling thread (and every thread it creates after) and
    /// starts the thread that handles them; ignores SIGXFSZ. Idempotent.
    public static func install() {
        state.lock.lock()
        defer { state.lock.unlock() }
        guard !state.installed else { return }
        state.installed = true
        _ = signal(SIGXFSZ, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        for s in handledSignals { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let waiter = Thread {
            var waitSet = sigset_t()
            sigemptyset(&waitSet)
            for s in handledSignals { sigaddset(&waitSet, s) }
            // Threads started before main (OpenBLAS starts its pool when it is loaded) do not
            // block the signals, and the kernel may hand a process-wide signal to one of them:
            // there a handler forwards it to this thread, which waits for it.
            signalThread = pthread_self()
            for s in handledSignals {
                _ = signal(s) { received in
                    if let thread = signalThread { _ = pthread_kill(thread, received) }
                }
            }
            var received: Int32 = 0
            while sigwait(&waitSet, &received) != 0 {}
            cleanUp()
            _exit(128 + received)
        }
        waiter.name = "mergetool.signals"
        waiter.start()
    }

    /// Whether `install()` has run in this process.
    public static var isInstalled: Bool {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.installed
    }

    /// Registers a temporary file or directory to remove if the command is interrupted.
    public static func register(temporary path: String) -> Token {
        add { $0.paths[$1] = path }
    }

    /// Registers a child's process group to kill (SIGKILL) if the command is interrupted.
    public static func register(processGroup pgid: pid_t) -> Token {
        add { $0.groups[$1] = pgid }
    }

    /// Registers an action to run first if the command is interrupted (e.g. killing a child's
    /// descendants that left its process group, which the group kill does not reach).
    public static func register(action: @escaping @Sendable () -> Void) -> Token {
        add { $0.actions[$1] = action }
    }

    /// Forgets a registration (the path was committed or removed; the child has been reaped).
    public static func unregister(_ token: Token) {
        state.lock.lock()
        state.paths[token.id] = nil
        state.groups[token.id] = nil
        state.actions[token.id] = nil
        state.lock.unlock()
    }

    /// Runs the registered actions, kills the registered process groups and removes the
    /// registered paths (what the signal thread does before exiting; public so tests can check
    /// it without a signal).
    public static func cleanUp() {
        state.lock.lock()
        let groups = Array(state.groups.values)
        let paths = Array(state.paths.values)
        let actions = Array(state.actions.values)
        state.groups = [:]
        state.paths = [:]
        state.actions = [:]
        state.lock.unlock()
        for action in actions { action() }
        for g in groups where g > 0 { _ = kill(-g, SIGKILL) }
        for p in paths { try? FileManager.default.removeItem(atPath: p) }
    }

    private static func add(_ body: (State, Int) -> Void) -> Token {
        state.lock.lock()
        defer { state.lock.unlock() }
        state.nextID += 1
        body(state, state.nextID)
        return Token(id: state.nextID)
    }
}
