import Foundation
import SafeTensors
import Testing

@testable import Reinforce

private let vocab = ReviewCorpus.vocabulary
private func batch(_ texts: [String]) -> (prompts: [[Int]], completions: [[Int]]) {
    (texts.map { _ in [0] + vocab.encode("the phone") }, texts.map { vocab.encode($0) })
}

/// Prints the number of space-separated words in each completion.
private let countWords = #"""
    awk -F'"completion": "' '{ split($2, a, "\""); n = split(a[1], w, " "); print n }'
    """#

@Suite struct TaskExternalRewardTests {
    @Test func externalRewardReadsOneNumberPerLine() throws {
        let (p, c) = batch(["is great.", "never works at all", "", "very good"])
        let r = try ExternalReward(command: countWords).rewards(
            prompts: p, completions: c, vocabulary: vocab)
        #expect(r == [2, 4, 0, 2])
        #expect(
            try ExternalReward(command: "exit 1").rewards(
                prompts: [], completions: [], vocabulary: vocab) == [])
    }

    @Test func externalRewardSeesPromptAndCompletionAsJSON() throws {
        let (p, c) = batch(["is great."])
        // Echo the line's length back: the exact JSON line is `{"prompt": …, "completion": …}`.
        let r = try ExternalReward(command: "awk '{ print length($0) }'").rewards(
            prompts: p, completions: c, vocabulary: vocab)
        let line = #"{"prompt": "the phone", "completion": "is great."}"#
        #expect(r == [Double(line.count)])
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object == ["prompt": "the phone", "completion": "is great."])
        #expect(JSONText.quoted("a\"b\\c\n\u{1}") == #""a\"b\\c\n\u0001""#)
    }

    @Test func externalRewardHandlesLargeBatchesWithoutDeadlock() throws {
        let texts = (0..<3000).map { _ in "the battery is very good and the screen is great ." }
        let (p, c) = batch(texts)  // ~250 kB of stdin, far above a pipe buffer
        let r = try ExternalReward(command: "awk '{ print NR }'").rewards(
            prompts: p, completions: c, vocabulary: vocab)
        #expect(r == (1...3000).map(Double.init))
    }

    @Test func externalRewardErrorsNameTheProblem() throws {
        let (p, c) = batch(["good", "bad"])
        func run(_ command: String, timeout: Double = 60) throws -> [Double] {
            try ExternalReward(command: command, timeout: timeout)
                .rewards(prompts: p, completions: c, vocabulary: vocab)
        }
        #expect(
            throws: ReinforceError.rewardCommandNotNumeric(
                command: "printf '1\\nabc\\n'", line: 2, text: "abc")
        ) {
            try run("printf '1\\nabc\\n'")
        }
        #expect(
            throws: ReinforceError.rewardCommandNotNumeric(
                command: "printf '1\\nnan\\n'", line: 2, text: "nan")
        ) {
            try run("printf '1\\nnan\\n'")
        }
        #expect(
            throws: ReinforceError.rewardCommandOutputCount(
                command: "echo 1", expected: 2, got: 1)
        ) {
            try run("echo 1")
        }
        #expect(
            throws: ReinforceError.rewardCommandFailed(
                command: "cat >/dev/null; echo oops >&2; exit 3", status: 3, stderr: "oops")
        ) {
            try run("cat >/dev/null; echo oops >&2; exit 3")
        }
        #expect(throws: ReinforceError.rewardCommandTimeout(command: "sleep 5", seconds: 1)) {
            try run("sleep 5", timeout: 1)
        }
        let message = ReinforceError.rewardCommandNotNumeric(command: "x", line: 2, text: "abc")
        #expect(message.description == "reward command 'x' line 2 is not a finite number: 'abc'")
    }
}
