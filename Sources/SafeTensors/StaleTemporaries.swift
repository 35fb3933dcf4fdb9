import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Names of the temporaries writers create beside an output, and removal of those whose
/// writer is gone.
///
///     .OUT.tmp-<pid>-<start>-<boot>-XXXXXX   a file or directory being written
///     .OUT.old-<pid>-<start>-<boot>-XXXXXX   an old output moved aside (no-exchange fallback)
///
/// `pid` is the writer's process id, `start` its start time in clock ticks after boot (field 22
/// of `/proc/<pid>/stat`; 0 where there is no `/proc`), `boot` the first 8 hex digits of
/// `/proc/sys/kernel/random/boot_id` (`0` elsewhere) and `XXXXXX` mkstemp's random suffix.
///
/// A writer is gone when, in the same boot, no process has its pid or the process with that
/// pid started at another time (the pid was reused); without `/proc` only the pid is checked.
/// An entry from another boot is gone only if it was last modified before this boot began
/// (else it may belong to a live writer on another machine sharing the filesystem).
/// `removeStale(in:)` removes the `.tmp-` entries of gone writers and puts a gone writer's
/// `.old-` entry back at `OUT` when nothing is there (else removes it). Nothing that does not
/// match the pattern exactly is touched.
enum StaleTemporaries {
    /// `<pid>-<start>-<boot>` of this process.
    static let identity: String = {
        let pid = getpid()
        return "\(pid)-\(startTime(of: pid) ?? 0)-\(bootID ?? "0")"
    }()

    /// The mkstemp/mkdtemp template for a temporary of `base` in `dir` (`kind` is `tmp`/`old`).
    static func template(dir: String, base: String, kind: String = "tmp") -> String {
        "\(dir)/.\(base).\(kind)-\(identity)-XXXXXX"
    }

    /// A parsed temporary name.
    struct Entry: Equatable {
        var base: String
        var kind: String
        var pid: Int32
        var start: UInt64
        var boot: String
    }

    /// Parses `.BASE.KIND-PID-START-BOOT-XXXXXX`; `nil` for anything else.
    static func parse(_ name: String) -> Entry? {
        guard name.hasPrefix("."), name.utf8.count > 8 else { return nil }
        var parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 5 else { return nil }
        let suffix = parts.removeLast()
        let boot = parts.removeLast()
        let start = parts.removeLast()
        let pid = parts.removeLast()
        let head = parts.joined(separator: "-")  // .BASE.tmp
        guard suffix.utf8.count == 6,
            suffix.utf8.allSatisfy({ isalnum(Int32($0)) != 0 }),
            boot.utf8.count <= 8, boot.utf8.allSatisfy({ isxdigit(Int32($0)) != 0 }),
            !boot.isEmpty,
            let p = Int32(pid), p > 0, let s = UInt64(start)
        else { return nil }
        for kind in ["tmp", "old"] where head.hasSuffix(".\(kind)") {
            let base = String(head.dropFirst().dropLast(kind.count + 1))
            guard !base.isEmpty else { return nil }
            return Entry(base: base, kind: kind, pid: p, start: s, boot: String(boot))
        }
        return nil
    }

    /// Removes (or restores, for `.old-`) the temporaries of gone writers in `dir`.
    /// Failures are ignored: this is housekeeping, never a reason to fail a write.
    static func removeStale(in dir: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            return
        }
        for name in names {
            guard let entry = parse(name) else { continue }
            let full = dir + "/" + name
            guard writerIsGone(entry, path: full) else { continue }
            if entry.kind == "old" {
                var st = stat()
                let final = dir + "/" + entry.base
                if lstat(final, &st) != 0 && errno == ENOENT && rename(full, final) == 0 {
                    continue
                }
            }
            try? FileManager.default.removeItem(atPath: full)
        }
    }

    /// Whether the process that made `entry` has exited (see the type's documentation).
    static func writerIsGone(_ entry: Entry, path: String) -> Bool {
        if entry.boot != (bootID ?? "0") {
            var st = stat()
            guard let booted = bootTime, lstat(path, &st) == 0 else { return false }
            #if canImport(Darwin)
                return Int(st.st_mtimespec.tv_sec) < booted
            #else
                return Int(st.st_mtim.tv_sec) < booted
            #endif
        }
        if entry.pid == getpid() { return entry.start != (startTime(of: entry.pid) ?? 0) }
        if kill(entry.pid, 0) != 0 && errno == ESRCH { return true }
        guard entry.start != 0, let now = startTime(of: entry.pid) else { return false }
        return now != entry.start
    }

    /// Field 22 (`starttime`) of `/proc/<pid>/stat`; `nil` without `/proc` or such a process.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // after "pid (comm)" come fields 3, 4, …; comm may hold spaces and parentheses
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// The first 8 hex digits of this boot's id.
    static let bootID: String? = {
        let file = "/proc/sys/kernel/random/boot_id"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let hex = text.filter(\.isHexDigit).prefix(8)
        return hex.count == 8 ? String(hex).lowercased() : nil
    }()

    /// Seconds since the epoch when this boot began (`btime` in `/proc/stat`).
    static let bootTime: Int? = {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else {
            return nil
        }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }()
}

extension SignalCleanup {
    /// Registers `path` when `install()` has run (a command), else does nothing: in tests and
    /// library use no signal thread would remove it, and `cleanUp()` called by one test must
    /// not remove the temporaries of writers running in another.
    static func registerIfHandled(temporary path: String) -> Token? {
        isInstalled ? register(temporary: path) : nil
    }
}
