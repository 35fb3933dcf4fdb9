import Foundation
import Testing

@testable import Reinforce

@Suite("Study: aggregation over seeds and matched-KL gaps")
struct StudyAggregateTests {
    /// Reference: the textbook sample standard error, in Double, written out.
    static func referenceSE(_ xs: [Double]) -> Double {
        let n = Double(xs.count)
        let m = xs.reduce(0, +) / n
        var ss = 0.0
        for x in xs { ss += (x - m) * (x - m) }
        return (ss / (n - 1)).squareRoot() / n.squareRoot()
    }

    @Test func meanStandardErrorAndSignCountOfAKnownInput() throws {
        let a = SeedAggregate([1, 2, 3, 4], sign: 1)
        #expect(a.mean == 2.5)
        // Σ(x − 2.5)² = 5, s² = 5/3, s.e. = √(5/3)/2.
        let se = try #require(a.standardError)
        #expect(abs(se - (5.0 / 3).squareRoot() / 2) < 1e-12)
        #expect(abs(se - Self.referenceSE([1, 2, 3, 4])) < 1e-12)
        #expect(a.agreeing == 4 && a.n == 4)
        #expect(a.verdict == .reproduced)
    }

    @Test(arguments: [
        ([1.0, -1, 3, 5], 1, SeedAggregate.Verdict.mixed),  // one seed disagrees
        ([0.1, 0.1, 0.1, 5], 1, .mixed),  // every seed agrees, mean < 2 s.e.
        ([-1, -2], 1, .notReproduced),  // the other way
        ([-1, -2, -3], -1, .reproduced),  // a claimed decrease
        ([0, 0, 0], 1, .notReproduced),  // no effect
        ([2, 3], 0, .notMeasured),  // reported only, no claim
    ])
    func signRule(values: [Double], sign: Int, verdict: SeedAggregate.Verdict) {
        #expect(SeedAggregate(values, sign: sign).verdict == verdict)
    }

    @Test func unmeasuredSeedsAreLeftOut() {
        let a = SeedAggregate([nil, 1, 3, .nan], sign: 1)
        #expect(a.n == 2 && a.mean == 2 && a.agreeing == 2)
        #expect(SeedAggregate([nil, nil], sign: 1).verdict == .notMeasured)
        #expect(SeedAggregate([5], sign: 1).standardError == nil)
        #expect(SeedAggregate([5], sign: 1).verdict == .mixed, "one seed is never 2 s.e.")
    }

    @Test func observationVerdictCombinesItsRows() {
        #expect(SeedAggregate.combine([.reproduced, .reproduced]) == .reproduced)
        #expect(SeedAggregate.combine([.reproduced, .mixed]) == .mixed)
        #expect(SeedAggregate.combine([.reproduced, .notReproduced]) == .notReproduced)
        #expect(SeedAggregate.combine([.notMeasured]) == .notMeasured)
        #expect(SeedAggregate.combine([.reproduced, .notMeasured]) == .mixed)
    }

    typealias P = MatchedKL.Point

    @Test func paretoDropsDominatedPoints() {
        let f = MatchedKL.pareto([
            P(kl: 6, reward: 0.5), P(kl: 0, reward: 0), P(kl: 5, reward: 0.8),
            P(kl: 10, reward: 1),
        ])
        #expect(f == [P(kl: 0, reward: 0), P(kl: 5, reward: 0.8), P(kl: 10, reward: 1)])
    }

    @Test func gapInterpolatesAndCountsComparablePoints() throws {
        let front = [P(kl: 0, reward: 0), P(kl: 10, reward: 1)]
        let g = MatchedKL.gap(
            front: front,
            points: [P(kl: 5, reward: 0.2), P(kl: 20, reward: 1), P(kl: 2.5, reward: 0)])
        #expect(g.comparable == 2 && g.total == 3)
        // (0.5 − 0.2 + 0.25 − 0) / 2
        #expect(abs(try #require(g.mean) - 0.275) < 1e-12)
        #expect(MatchedKL.gap(front: front, points: [P(kl: 11, reward: 0)]).mean == nil)
    }
}
