import Foundation
import Testing

@testable import Reinforce

@Suite("Study: N seeds, resumable", .serialized)
struct StudyResumeTests {
    static func settings() -> WarpSettings {
        var s = WarpTests.settings()
        s.runs = 3
        s.front = [0, 0.5, 1]
        return s
    }

    static func modified(_ path: String) throws -> Date {
        try #require(
            try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
    }

    /// Two seeds finish; seed 1 is then cut back to a half-done directory (its summary and
    /// study file gone, its runs on disk). Rerunning computes seed 1 only and leaves seed 0's
    /// files untouched.
    @Test func resumesAHalfDoneSeedAndKeepsFinishedOnes() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("study-resume-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try WarpStudy(
            settings: Self.settings(), seeds: [0, 1], directory: dir, parallel: 2)
        let report = try first.run()
        #expect(first.computed.sorted() == [0, 1])
        #expect(report.seeds.map(\.seed) == [0, 1])
        #expect(report.seeds[0].slerpByM.keys.sorted() == [2, 3])
        #expect(report.seeds[0].runs.map(\.reward) != report.seeds[1].runs.map(\.reward))
        for name in WarpStudy.resultFiles {
            #expect(FileManager.default.fileExists(atPath: first.path(name)), "\(name)")
        }
        let done = WarpStudy.seedFile(first.seedDirectory(0))
        let before = try Self.modified(done)
        let half = first.seedDirectory(1)
        try FileManager.default.removeItem(atPath: WarpStudy.seedFile(half))
        try FileManager.default.removeItem(atPath: WarpRunDirectory(half).summary)

        let second = try WarpStudy(
            settings: Self.settings(), seeds: [0, 1], directory: dir, parallel: 1)
        let again = try second.run()
        #expect(second.computed == [1])
        #expect(try Self.modified(done) == before)
        #expect(FileManager.default.fileExists(atPath: WarpStudy.seedFile(half)))
        #expect(FileManager.default.fileExists(atPath: WarpRunDirectory(half).summary))
        // Finished runs are reused, so the resumed seed measures the same policies.
        #expect(again.seeds[1].runs == report.seeds[1].runs)
        #expect(again.seeds[1].lerp == report.seeds[1].lerp)
    }

    @Test func refusesASeedDirectoryWithOtherSettings() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("study-other-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try WarpStudy(settings: Self.settings(), seeds: [0, 1], directory: dir, parallel: 2)
            .run()
        var other = Self.settings()
        other.mu = 0.2
        let study = try WarpStudy(settings: other, seeds: [0, 1], directory: dir, parallel: 1)
        #expect(
            throws: ReinforceError.invalidOption(
                name: "study-dir",
                reason:
                    "\(study.seedDirectory(0)) holds a run with other settings; use another --study-dir"
            )
        ) { try study.run() }
    }

    /// I = 2: each seed records the last SLERP (η = 1 of iteration 2's front, as its summary
    /// says) and the final front at iteration 1's SLERP's KL; the report has their rows.
    @Test func iteratedSeedsMeasureTheirEndPoints() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("study-iterated-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var settings = WarpTests.settings()
        settings.iterations = 2
        settings.betaGrowth = 2
        settings.baselines = []
        let study = try WarpStudy(settings: settings, seeds: [0, 1], directory: dir, parallel: 2)
        let report = try study.run()
        for seed in report.seeds {
            let summary = try JSONDecoder().decode(
                WarpSummary.self,
                from: try #require(
                    FileManager.default.contents(
                        atPath: WarpRunDirectory(study.seedDirectory(seed.seed)).summary)))
            let last = try #require(summary.iterations.last?.front.first { $0.eta == 1 })
            #expect(seed.lastSlerp == StudySeed.Policy(last.evaluation))
            #expect(seed.finalAtFirstSlerp?.total == 1)
            // The β schedule reached the runs: iteration 2's are recorded at 2β.
            #expect(summary.iterations.map { $0.runs[0].beta } == [0.1, 0.2])
        }
        #expect(report.rows.contains { $0.name == "last SLERP − iteration-1 SLERP reward" })
    }
}
