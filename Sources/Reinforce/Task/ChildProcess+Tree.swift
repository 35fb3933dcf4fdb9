import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finding, killing and reaping every process a child started.
///
/// A child runs as the leader of its own process group, so `kill(-leader, SIGKILL)` reaches
/// it and every descendant that stayed in the group. A descendant that left the group
/// (`setsid`, `setpgid`) is found on Linux through `/proc`: by its parent chain (while its
/// parents live) and by the marker variable `MERGETOOL_CHILD=<token>` in its environment
/// (inherited, it survives reparenting). Killed descendants whose parents died are
/// reparented to mergetool, a child subreaper, and reaped here, so none is left even as a
/// zombie.
enum ProcessTree {
    /// The environment variable marking every process of one child's tree.
    static let markerName = "MERGETOOL_CHILD"

    /// Linux: orphaned descendants are reparented to this process instead of init, so they
    /// can be found and reaped (`prctl(PR_SET_CHILD_SUBREAPER, 1)`). No-op elsewhere.
    static func becomeSubreaper() {
        #if os(Linux)
            // prctl is variadic in C, so it is not imported; its integer arguments are passed
            // in the same registers by a fixed-argument call on Linux's ABIs.
            typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
            guard let symbol = dlsym(nil, "prctl") else { return }
            let prctl = unsafeBitCast(symbol, to: Prctl.self)
            _ = prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0)
        #endif
    }

    /// Whether the child `pid` has exited, without reaping it (`waitid` with `WNOWAIT`), so
    /// its pid, and with it its process group id, cannot be reused before the group is killed.
    static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        if rc == -1 { return errno == ECHILD }
        return info.si_signo == SIGCHLD
    }

    /// SIGKILL to every descendant found (what a signal to mergetool does, beside the group
    /// kill; nothing is reaped, mergetool is exiting).
    static func killDescendants(of leader: pid_t, token: String) {
        for p in descendants(of: leader, token: token) { _ = kill(p, SIGKILL) }
    }

    /// Kills the group led by `leader` and every descendant found, reaps the leader and the
    /// orphans; returns the leader's wait status (nil if it could not be reaped).
    /// - Complexity: one or two scans of `/proc` (Linux); waits at most about 2 s for orphans.
    static func terminate(leader: pid_t, token: String) -> Int32? {
        let leaderRunning = !hasExited(leader)
        var found = descendants(of: leader, token: token)
        _ = kill(-leader, SIGKILL)
        _ = kill(leader, SIGKILL)  // in case it left its own group
        for p in found { _ = kill(p, SIGKILL) }
        // Processes forked between the scan and the kills carry the marker too (none can be
        // when the scan found no process and the leader had exited).
        if leaderRunning || !found.isEmpty {
            let late = descendants(of: leader, token: token).subtracting(found)
            for p in late { _ = kill(p, SIGKILL) }
            found.formUnion(late)
        }
        var status: Int32 = 0
        var leaderStatus: Int32?
        while true {
            let r = waitpid(leader, &status, 0)
            if r == leader { leaderStatus = status }
            if r != -1 || errno != EINTR { break }
        }
        reap(group: leader, pids: found)
        return leaderStatus
    }

    /// Reaps the killed processes as they are reparented to us; stops when none of them and
    /// no member of the group exists any more, or after 2 s.
    private static func reap(group: pid_t, pids: Set<pid_t>) {
        var pending = pids
        let start = DispatchTime.now().uptimeNanoseconds
        var status: Int32 = 0
        while true {
            while waitpid(-group, &status, WNOHANG) > 0 {}
            for p in pending {
                if waitpid(p, &status, WNOHANG) == p || (kill(p, 0) == -1 && errno == ESRCH) {
                    pending.remove(p)
                }
            }
            let groupGone = kill(-group, 0) == -1 && errno == ESRCH
            if pending.isEmpty && groupGone { return }
            if DispatchTime.now().uptimeNanoseconds - start > 2_000_000_000 { return }
            usleep(1000)
        }
    }

    /// The descendants of `root` by parent chain and the processes carrying `token`
    /// (Linux `/proc`; empty elsewhere, where the group kill is what reaches them).
    static func descendants(of root: pid_t, token: String) -> Set<pid_t> {
        #if os(Linux)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc")
            else { return [] }
            let marker = "\(markerName)=\(token)"
            let me = getpid()
            var parent: [pid_t: pid_t] = [:]
            var result = Set<pid_t>()
            for name in names {
                guard let pid = pid_t(name), pid != root, pid != me else { continue }
                if let ppid = parentID(pid) { parent[pid] = ppid }
                if let environ = readSmall("/proc/\(pid)/environ", limit: 1 << 20),
                    contains(environment: environ, marker)
                {
                    result.insert(pid)
                }
            }
            // Parent chain: repeat until no new process joins (a few passes for a deep tree).
            var changed = true
            while changed {
                changed = false
                for (pid, ppid) in parent where !result.contains(pid) {
                    if ppid == root || result.contains(ppid) {
                        result.insert(pid)
                        changed = true
                    }
                }
            }
            return result
        #else
            return []
        #endif
    }

    #if os(Linux)
        /// Field 4 of `/proc/PID/stat` ("pid (comm) state ppid …"; comm may hold spaces).
        private static func parentID(_ pid: pid_t) -> pid_t? {
            guard let bytes = readSmall("/proc/\(pid)/stat", limit: 4096),
                let close = bytes.lastIndex(of: UInt8(ascii: ")"))
            else { return nil }
            let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
            guard fields.count > 1 else { return nil }
            return pid_t(String(decoding: fields[1], as: UTF8.self))
        }

        private static func readSmall(_ path: String, limit: Int) -> [UInt8]? {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var result: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 8192)
            while result.count < limit {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                result += buffer[0..<n]
            }
            return result
        }

        /// Whether the NUL-separated `environment` holds the entry `entry` (C string compares:
        /// this runs for every process on every call).
        private static func contains(environment: [UInt8], _ entry: String) -> Bool {
            let bytes = environment + [0]
            return bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    guard var p = chars.baseAddress else { return false }
                    let end = p + environment.count
                    while p < end {
                        if strcmp(p, entry) == 0 { return true }
                        p += strlen(p) + 1
                    }
                    return false
                }
            }
        }
    #endif
}
