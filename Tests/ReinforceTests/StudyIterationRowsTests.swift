import Foundation
import Testing

@testable import Reinforce

/// The end-point rows of an iterated study (I > 1): the last SLERP against iteration 1's and
/// the final front at iteration 1's SLERP's KL, on synthetic seeds with known answers.
@Suite("Study: iteration end-point rows")
struct StudyIterationRowsTests {
    typealias P = MatchedKL.Point

    static func seed(_ s: UInt64, first: StudySeed.Policy, last: StudySeed.Policy?) -> StudySeed {
        let none = MatchedKL.Gap(mean: nil, comparable: 0, total: 0)
        // The final front: SFT at (0, 0) to the last SLERP, straight.
        let final = last.map { [P(kl: 0, reward: 0), P(kl: $0.kl, reward: $0.reward)] } ?? []
        return StudySeed(
            seed: s, runs: [first, first], emas: [], slerp: first, lerp: first,
            slerpOther: first, otherGranularity: "tensor", slerpByM: [:], cosines: [],
            frontMinusTrajectories: none, frontMinusBaselines: none, emaMinusBaselines: none,
            finalMinusFirst: nil, lastMinusFirst: nil, front: [], finalFront: final, seconds: 0,
            lastSlerp: last,
            finalAtFirstSlerp: last.map { _ in
                MatchedKL.gap(front: final, points: [P(kl: first.kl, reward: first.reward)])
            })
    }

    static func row(_ r: StudyReport, _ name: String) throws -> StudyReport.Row {
        try #require(r.rows.first { $0.name == name }, "\(name)")
    }

    @Test func endPointRowsOfKnownSeeds() throws {
        // Seed 0: last SLERP (KL 20, reward 0.4); the final front at KL 10 gives 0.2, iteration
        // 1's SLERP there has 0.3 → −0.1. Seed 1: last (10, 0.5), at KL 5 → 0.25 − 0.2 = +0.05.
        let seeds = [
            Self.seed(
                0, first: .init(reward: 0.3, kl: 10, length: 3),
                last: .init(reward: 0.4, kl: 20, length: 3)),
            Self.seed(
                1, first: .init(reward: 0.2, kl: 5, length: 3),
                last: .init(reward: 0.5, kl: 10, length: 3)),
        ]
        var settings = WarpSettings()
        settings.iterations = 3
        settings.runs = 2
        let report = StudyReport(settings: settings, seeds: seeds)
        let reward = try Self.row(report, "last SLERP − iteration-1 SLERP reward").aggregate
        #expect(reward.measured.count == 2)
        #expect(abs(reward.mean! - (0.1 + 0.3) / 2) < 1e-12)
        #expect(reward.agreeing == 2 && reward.sign == 1)
        let kl = try Self.row(report, "last SLERP − iteration-1 SLERP KL").aggregate
        #expect(kl.measured == [10, 5] && kl.sign == 0)
        let matched = try Self.row(
            report, "final front − iteration-1 SLERP (reward, matched KL)")
        #expect(abs(matched.aggregate.measured[0] - (0.2 - 0.3)) < 1e-12)
        #expect(abs(matched.aggregate.measured[1] - (0.25 - 0.2)) < 1e-12)
        #expect(matched.comparable == "2/2" && matched.aggregate.agreeing == 1)
        #expect(matched.observation == nil, "reported only: (6) keeps its own rows")
    }

    @Test func oneIterationHasNoEndPointRowsAndOlderSeedFilesDecode() throws {
        let one = Self.seed(0, first: .init(reward: 0.3, kl: 10, length: 3), last: nil)
        var settings = WarpSettings()
        settings.runs = 2
        let report = StudyReport(settings: settings, seeds: [one, one])
        #expect(!report.rows.contains { $0.name.hasPrefix("last SLERP") })
        // A study-seed.json written before the end points were measured.
        var json =
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(one))
            as! [String: Any]
        json.removeValue(forKey: "lastSlerp")
        json.removeValue(forKey: "finalAtFirstSlerp")
        let decoded = try JSONDecoder().decode(
            StudySeed.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(decoded.lastSlerp == nil && decoded.finalAtFirstSlerp == nil)
    }
}
