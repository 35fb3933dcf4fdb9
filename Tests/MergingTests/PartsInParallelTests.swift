import Foundation
import Synchronization
import Testing

@testable import Merging

/// `runParts`: every part runs once, the lowest-numbered failure is what is thrown, and a
/// `runParts` inside a part, or from several threads at once, still runs all of its parts.
@Suite struct PartsInParallelTests {
    struct PartFailed: Error, Equatable { let part: Int }

    /// Counts per part, written by each part's own thread.
    final class Counts: @unchecked Sendable {
        var values: [Int]
        init(_ count: Int) { values = Array(repeating: 0, count: count) }
    }

    @Test(arguments: [1, 2, 3, 8])
    func everyPartRunsOnceEveryCall(parts: Int) throws {
        let counts = Counts(parts)
        for _ in 0..<200 { try runParts(parts) { p in counts.values[p] += 1 } }
        #expect(counts.values == Array(repeating: 200, count: parts))
    }

    @Test func theLowestNumberedFailureIsThrownAfterEveryPartRan() throws {
        let counts = Counts(5)
        #expect(throws: PartFailed(part: 1)) {
            try runParts(5) { p in
                counts.values[p] += 1
                if p == 1 || p == 3 { throw PartFailed(part: p) }
            }
        }
        #expect(counts.values == [1, 1, 1, 1, 1])
    }

    @Test func partsInsideAPartRunToo() throws {
        let inner = Counts(4 * 3)
        try runParts(4) { p in
            try runParts(3) { q in inner.values[p * 3 + q] += 1 }
        }
        #expect(inner.values == Array(repeating: 1, count: 12))
    }

    @Test func callsFromSeveralThreadsAtOnceAllComplete() {
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<50 {
                try? runParts(2) { _ in total.add(1, ordering: .relaxed) }
            }
        }
        #expect(total.load(ordering: .relaxed) == 4 * 50 * 2)
    }
}
