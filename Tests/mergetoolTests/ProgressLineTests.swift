import Testing

@testable import mergetool

/// The one progress line's text: units, throughput from bytes, detail, time left.
@Suite struct ProgressLineTests {
    @Test func bytesGiveThroughputAndTimeLeft() {
        let p = mergetool.Progress(
            done: 5, total: 10, bytes: 2_000_000_000, bytesTotal: 4_000_000_000)
        #expect(
            p.text(label: "slerp", unit: "tensors", elapsed: 2)
                == "slerp: 5/10 tensors, 1.00 GB/s, 0:02 left")
    }

    @Test func unitsGiveTimeLeftAndDetailIsShown() {
        let p = mergetool.Progress(done: 1, total: 4, detail: "loss 2.0000")
        #expect(
            p.text(label: "sft", unit: "steps", elapsed: 3)
                == "sft: 1/4 steps, loss 2.0000, 0:09 left")
        #expect(
            mergetool.Progress(done: 0, total: 3).text(
                label: "eval", unit: "checkpoints", elapsed: 1)
                == "eval: 0/3 checkpoints")
    }

    @Test func clockSwitchesToHours() {
        #expect(mergetool.Progress.clock(59.6) == "1:00")
        #expect(mergetool.Progress.clock(3725) == "1:02:05")
        #expect(mergetool.Progress.clock(-4) == "0:00")
    }

    @Test func quietLineIsDisabled() {
        #expect(!ProgressLine(label: "x", unit: "tensors", quiet: true).enabled)
    }
}
