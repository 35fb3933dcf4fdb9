import CBLAS
import Foundation

/// `mergetool warp study`: the WARP loop on N independent seeds and the effects the paper's
/// observations claim, aggregated over seeds (`StudyReport`, `SeedAggregate`).
///
///     D/sft/                 one SFT for every seed (SFT does not depend on --seed)
///     D/seed-S/              a WARP run directory (`WarpRunDirectory`) with --seed S, and
///     D/seed-S/study-seed.json   what the study measured on it (`StudySeed`)
///     D/study.json, D/study.md, D/figures/study_*.svg
///
/// Resumable: a seed with `study-seed.json` is finished and read back; a seed with a
/// `summary.json` only is measured; any other seed runs the loop, which reuses finished RL
/// runs and resumes interrupted ones from their checkpoints. Seeds run `parallel` at a time,
/// each loop with one run at a time.
/// - Complexity: N times the loop (`WarpLoop`) plus per seed 2–4 merges and evaluations.
public final class WarpStudy: @unchecked Sendable {
    public let settings: WarpSettings
    public let seeds: [UInt64]
    public let root: String
    public let parallel: Int
    /// Messages for people (progress), one line each.
    public var log: (@Sendable (String) -> Void)?
    /// The seeds whose loop or measurement ran in this process (the others were read back).
    public private(set) var computed: [UInt64] = []
    private let lock = NSLock()

    public init(settings: WarpSettings, seeds: [UInt64], directory: String, parallel: Int)
        throws
    {
        try settings.validate()
        guard !seeds.isEmpty, parallel >= 1 else {
            throw ReinforceError.invalidOption(name: "seeds", reason: "no seed to run")
        }
        self.settings = settings
        self.seeds = seeds
        self.root = directory
        self.parallel = parallel
    }

    /// `D/name`.
    public func path(_ name: String) -> String { (root as NSString).appendingPathComponent(name) }
    public func seedDirectory(_ s: UInt64) -> String { path("seed-\(s)") }
    public static func seedFile(_ dir: String) -> String {
        (dir as NSString).appendingPathComponent("study-seed.json")
    }
    public static let resultFiles = [
        "study.json", "study.md", "figures/study_kl_reward.svg", "figures/study_effects.svg",
    ]

    /// The loop settings of seed `s`: the study's with that seed and one run at a time.
    public func seedSettings(_ s: UInt64) -> WarpSettings {
        var w = settings
        w.seed = s
        w.parallelRuns = 1
        return w
    }

    /// Runs (or reads back) every seed, then writes the report.
    /// - Throws: `ReinforceError.invalidOption` when a seed directory holds a run with other
    ///   settings; the loop's errors.
    public func run() throws -> StudyReport {
        openblas_set_num_threads(1)
        log?("SFT (\(settings.sft.steps) steps, shared by every seed)")
        let sft = try SFTRun.run(settings.sft, directory: path(WarpRunDirectory.sftName))
        let results = try parallelMap(seeds.count, width: parallel) { k in
            try self.runSeed(self.seeds[k], sft: sft)
        }
        var report = StudyReport(settings: settings, seeds: results)
        report.settings.seed = seeds[0]
        try write(report)
        return report
    }

    /// One seed: read back, measure a finished loop, or run the loop and measure it.
    func runSeed(_ s: UInt64, sft: WarpLoop.SFT) throws -> StudySeed {
        let dir = seedDirectory(s)
        let file = Self.seedFile(dir)
        let own = seedSettings(s)
        let runDir = WarpRunDirectory(dir)
        let saved = FileManager.default.contents(atPath: runDir.summary).flatMap {
            try? JSONDecoder().decode(WarpSummary.self, from: $0)
        }
        if let saved, !Self.same(saved.settings, own) {
            throw ReinforceError.invalidOption(
                name: "study-dir",
                reason: "\(dir) holds a run with other settings; use another --study-dir")
        }
        if saved != nil, let data = FileManager.default.contents(atPath: file),
            let done = try? JSONDecoder().decode(StudySeed.self, from: data)
        {
            log?("seed \(s): finished, read back")
            return done
        }
        lock.lock()
        computed.append(s)
        lock.unlock()
        let loop = try WarpLoop(settings: own, directory: dir)
        loop.log = log.map { l in { @Sendable line in l("seed \(s): " + line) } }
        let start = Date()
        let summary: WarpSummary
        if let saved {
            summary = saved
        } else {
            summary = try loop.run(sft: sft)
        }
        let seed = try loop.measureSeed(
            summary, sft: sft,
            seconds: summary.seconds["total"] ?? Date().timeIntervalSince(start))
        try loop.writeText(WarpSummary.json(seed), to: file)
        log?("seed \(s): measured")
        return seed
    }

    /// Two seeds' settings agree on everything but how many runs train at once.
    static func same(_ a: WarpSettings, _ b: WarpSettings) -> Bool {
        var a = a
        a.parallelRuns = b.parallelRuns
        return a == b
    }

    func write(_ report: StudyReport) throws {
        let writer = try WarpLoop(settings: settings, directory: root)
        try writer.writeText(WarpSummary.json(report), to: path("study.json"))
        try writer.writeText(report.markdown(), to: path("study.md"))
        try writer.writeText(
            StudyFigures.klReward(report).render(), to: path("figures/study_kl_reward.svg"))
        try writer.writeText(
            StudyFigures.effects(report).render(), to: path("figures/study_effects.svg"))
    }
}
