import Foundation
import TestSupport
import Testing

@testable import Reinforce

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private let vocab = ReviewCorpus.vocabulary
private func batch(_ n: Int) -> (prompts: [[Int]], completions: [[Int]]) {
    (
        Array(repeating: [0] + vocab.encode("the phone"), count: n),
        Array(repeating: vocab.encode("is great ."), count: n)
    )
}

@Suite struct TaskChildProcessTests {
    /// The shell, a background grandchild and a `setsid` grandchild (its own session and
    /// group) all die when the command times out.
    @Test func timeoutKillsTheWholeTreeIncludingSetsidChildren() throws {
        let dir = Fixture.tempDir("child")
        defer { Fixture.cleanup(dir) }
        let file = dir + "/pids"
        let command =
            "echo $$ > \(file); sleep 300 & echo $! >> \(file); "
            + "setsid sleep 300 & echo $! >> \(file); sleep 300"
        let (p, c) = batch(2)
        #expect(throws: ReinforceError.rewardCommandTimeout(command: command, seconds: 1)) {
            try ExternalReward(command: command, timeout: 1)
                .rewards(prompts: p, completions: c, vocabulary: vocab)
        }
        let started = try Processes.pids(in: file)
        #expect(started.count == 3)
        for pid in started { #expect(!Processes.isAlive(pid), "pid \(pid) survived") }
    }

    /// A grandchild holding the inherited stdout open: the command's exit ends the batch (no
    /// timeout), and the grandchild is killed.
    @Test(arguments: ["sleep 300", "setsid sleep 300"])
    func grandchildHoldingStdoutDoesNotHoldTheBatch(background: String) throws {
        let dir = Fixture.tempDir("child")
        defer { Fixture.cleanup(dir) }
        let file = dir + "/pids"
        let command = "\(background) & echo $! > \(file); cat >/dev/null; echo 1; echo 2"
        let (p, c) = batch(2)
        let r = try ExternalReward(command: command, timeout: 600)
            .rewards(prompts: p, completions: c, vocabulary: vocab)
        #expect(r == [1, 2])
        for pid in try Processes.pids(in: file) {
            #expect(!Processes.isAlive(pid), "pid \(pid) survived")
        }
    }

    /// A command that fails still has its children killed.
    @Test func failingCommandHasItsChildrenKilled() throws {
        let dir = Fixture.tempDir("child")
        defer { Fixture.cleanup(dir) }
        let file = dir + "/pids"
        let command = "sleep 300 & echo $! > \(file); echo broken >&2; exit 4"
        let (p, c) = batch(1)
        #expect(
            throws: ReinforceError.rewardCommandFailed(
                command: command, status: 4, stderr: "broken")
        ) {
            try ExternalReward(command: command).rewards(
                prompts: p, completions: c, vocabulary: vocab)
        }
        for pid in try Processes.pids(in: file) {
            #expect(!Processes.isAlive(pid), "pid \(pid) survived")
        }
    }

    @Test func stdoutAboveTheByteLimitIsRefused() {
        let limits = ChildProcess.Limits(stdoutBytes: 1 << 16, lineBytes: 1 << 16, stderrTail: 64)
        let (p, c) = batch(2)
        #expect(
            throws: ReinforceError.rewardCommandOutputTooLarge(command: "yes 1", limit: 1 << 16)
        ) {
            try ExternalReward(command: "yes 1", timeout: 600, limits: limits)
                .rewards(prompts: p, completions: c, vocabulary: vocab)
        }
        let message = ReinforceError.rewardCommandOutputTooLarge(command: "x", limit: 10)
        #expect(
            message.description
                == "reward command 'x' printed more than the limit of 10 bytes on stdout"
                + " and was killed")
    }

    @Test func lineAboveTheLineLimitIsRefused() {
        let limits = ChildProcess.Limits(stdoutBytes: 1 << 20, lineBytes: 100, stderrTail: 64)
        let command = "echo 1; head -c 5000 /dev/zero | tr '\\\\0' 7; echo"
        let (p, c) = batch(2)
        #expect(
            throws: ReinforceError.rewardCommandLineTooLong(command: command, line: 2, limit: 100)
        ) {
            try ExternalReward(command: command, timeout: 600, limits: limits)
                .rewards(prompts: p, completions: c, vocabulary: vocab)
        }
    }

    @Test func stderrKeepsOnlyItsTail() {
        let limits = ChildProcess.Limits(stdoutBytes: 1 << 20, lineBytes: 100, stderrTail: 16)
        let outcome = ChildProcess.shell(
            "head -c 100000 /dev/zero >&2; echo last-line >&2", timeout: 600, limits: limits
        ).run(input: [])
        #expect(outcome.ending == .exited(status: 0))
        #expect(outcome.stderr.count == 16)
        #expect(String(decoding: outcome.stderr.suffix(10), as: UTF8.self) == "last-line\n")
    }

    @Test func crlfOutputIsAccepted() throws {
        let (p, c) = batch(3)
        let r = try ExternalReward(command: "cat >/dev/null; printf '1\\r\\n-2.5\\r\\n3\\r\\n'")
            .rewards(prompts: p, completions: c, vocabulary: vocab)
        #expect(r == [1, -2.5, 3])
        let noFinalNewline = try ExternalReward(command: "printf '4\\r\\n5\\r\\n6'")
            .rewards(prompts: p, completions: c, vocabulary: vocab)
        #expect(noFinalNewline == [4, 5, 6])
    }

    /// The child starts with an empty signal mask and default dispositions, whatever the
    /// parent blocks or ignores (mergetool blocks SIGINT/SIGTERM/SIGHUP, ignores SIGXFSZ).
    @Test func childHasEmptySignalMaskAndDefaultDispositions() throws {
        #if os(Linux)
            var blocked = sigset_t(), previous = sigset_t()
            sigemptyset(&blocked)
            for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&blocked, s) }
            pthread_sigmask(SIG_BLOCK, &blocked, &previous)
            defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
            _ = signal(SIGXFSZ, SIG_IGN)  // as SignalCleanup.install() does
            let outcome = ChildProcess.shell(
                "grep -E '^Sig(Blk|Ign):' /proc/self/status", timeout: 600
            ).run(input: [])
            let text = String(decoding: outcome.stdout, as: UTF8.self)
            #expect(text.contains("SigBlk:\t0000000000000000"))
            // SIGINT (2), SIGHUP (1), SIGPIPE (13), SIGTERM (15), SIGXFSZ (25) not ignored.
            let ignored = text.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }
            let mask = UInt64(ignored.map { String($0.dropFirst(8)) } ?? "", radix: 16) ?? ~0
            for s in [1, 2, 13, 15, 25] { #expect(mask & (1 << (s - 1)) == 0, "signal \(s)") }
        #endif
    }

    @Test func rewardTimeoutMustBeFiniteAndPositive() throws {
        for bad in [0, -1, Double.nan, .infinity] {
            #expect(
                throws: ReinforceError.invalidOption(
                    name: "reward timeout", reason: "\(bad) s (must be finite and > 0)")
            ) {
                try RewardSpec.make("external:true", timeout: bad)
            }
        }
        let r = try RewardSpec.make("external:true", timeout: 2.5) as? ExternalReward
        #expect(r?.timeout == 2.5)
    }

    @Test func missingExecutableIsALaunchError() {
        let outcome = ChildProcess(arguments: ["/nonexistent/x"], timeout: 10).run(input: [1])
        #expect(
            outcome.ending == .launchFailed(reason: "/nonexistent/x: No such file or directory"))
    }
}
