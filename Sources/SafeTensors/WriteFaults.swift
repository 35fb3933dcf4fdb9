import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A point in the life of a write where a test can make it fail or kill the process.
public enum WriteStage: String, Sendable, CaseIterable {
    /// A safetensors header was written to the temporary file.
    case header
    /// A chunk of tensor data is about to be written.
    case data
    /// A finished temporary file is about to be fsynced.
    case fileSync
    /// A synced temporary file is about to be renamed to its final name.
    case fileRename
    /// A staged directory is about to be fsynced before it moves into place.
    case directorySync
    /// A staged directory is about to be exchanged with (or renamed to) the final path.
    case exchange
    /// The old output, now under the temporary name, is about to be removed.
    case removeOld
}

/// Fault injection for the writers (tests only; costs one lock per chunk otherwise).
///
/// In-process: `install(under:)` a hook for paths below a directory; it is called with the
/// stage and path at every `WriteStage`, and whatever it throws fails the write there (the
/// writer then cleans up as for any error).
///
/// Whole process: with `MERGETOOL_FAULT=STAGE[:N]` in the environment the process kills itself
/// with SIGKILL at the N-th (default first) time it reaches STAGE, so a test can check what a
/// real kill at that point leaves behind and what the next run makes of it;
/// `MERGETOOL_FAULT=STAGE:N:stop` stops it (SIGSTOP) there instead and, once continued, the
/// writing thread never goes on: a test can signal it at exactly that point.
enum WriteFaults {
    typealias Hook = @Sendable (WriteStage, String) throws -> Void

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var hooks: [String: Hook] = [:]
        var hits: [WriteStage: Int] = [:]
    }

    private static let state = State()

    /// `MERGETOOL_FAULT` parsed: the stage, the hit that kills and the signal.
    private static let killAt: (stage: WriteStage, hit: Int, signal: Int32)? = {
        guard let raw = getenv("MERGETOOL_FAULT") else { return nil }
        let parts = String(cString: raw).split(separator: ":")
        guard let first = parts.first, let stage = WriteStage(rawValue: String(first)) else {
            return nil
        }
        let signal = parts.count > 2 && parts[2] == "stop" ? SIGSTOP : SIGKILL
        return (stage, parts.count > 1 ? Int(parts[1]) ?? 1 : 1, signal)
    }()

    /// Calls `hook` for every stage of writes to paths below `directory`.
    static func install(under directory: String, _ hook: @escaping Hook) {
        state.lock.lock()
        state.hooks[directory.hasSuffix("/") ? directory : directory + "/"] = hook
        state.lock.unlock()
    }

    /// Removes the hook installed for `directory`.
    static func remove(under directory: String) {
        state.lock.lock()
        state.hooks[directory.hasSuffix("/") ? directory : directory + "/"] = nil
        state.lock.unlock()
    }

    /// Reached by the writers at `stage` while writing `path`.
    static func reach(_ stage: WriteStage, _ path: String) throws {
        state.lock.lock()
        let hook = state.hooks.first { path.hasPrefix($0.key) }?.value
        var signal: Int32 = 0
        if let k = killAt, k.stage == stage {
            state.hits[stage, default: 0] += 1
            if state.hits[stage] == k.hit { signal = k.signal }
        }
        state.lock.unlock()
        if signal != 0 { _ = raise(signal) }
        while signal == SIGSTOP { _ = pause() }
        try hook?(stage, path)
    }
}
