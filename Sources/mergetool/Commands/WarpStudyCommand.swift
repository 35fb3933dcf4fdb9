import ArgumentParser
import Foundation
import Reinforce

/// `mergetool warp study --study-dir D --seeds N …`: the WARP loop on N independent seeds and
/// the paper's observations (1)–(6) judged over them (`WarpStudy`, `StudyReport`).
struct WarpStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run the WARP loop on N independent seeds and judge the paper's observations.",
        discussion: """
            One SFT (DIR/sft) serves every seed; seed S runs in DIR/seed-S (a `warp run` \
            directory with --seed S), --parallel seeds at a time. Rerunning on DIR reuses \
            finished seeds and runs and resumes interrupted ones. Per seed, on its held-out \
            prompts and draws (common random numbers): every run, SLERP, LERP, SLERP at the \
            other granularity, SLERP of nested subsets of runs (M = 2…4), cosines, and the LITI \
            front against the trajectories and the SFT-anchor front at matched KL. Each effect \
            is reported as mean ± s.e. with k/N seeds of the paper's sign; an observation is \
            "reproduced" only when the mean exceeds 2 s.e. and every seed agrees. Writes \
            study.json, study.md and figures/study_*.svg; prints study.md.
            """)

    @Option(name: .customLong("study-dir"), help: "Output study directory.") var studyDir: String
    @Option(help: "Number of independent seeds N (≥ 2).") var seeds = 8
    @Option(name: .customLong("first-seed"), help: "Seeds are first-seed … first-seed + N − 1.")
    var firstSeed: UInt64 = 0
    @OptionGroup(title: "Runs, merge and front") var knobs: WarpRunOptions
    @Option(
        name: .customLong("beta-growth"),
        help: "β schedule over iterations: iteration i's runs use β·g^(i−1) (default 1).")
    var betaGrowth: Double?
    @Option(help: "SFT-anchored REINFORCE baselines at these β ('none': no baseline).")
    var baseline = WarpCommand.BaselineBetas.betas(DoubleList([0.1]))
    @Option(name: .customLong("eval-prompts"), help: "Held-out prompts per evaluation (≥ 1024).")
    var evalPrompts = 1024
    @Option(help: "Reward: lexicon or external:COMMAND.") var reward = RewardChoice.lexicon
    @Option(
        name: .customLong("reward-timeout"),
        help: ArgumentHelp(
            "Seconds before an external reward command is killed (per batch; default "
                + "\(Int(ExternalReward.defaultTimeout)))."))
    var rewardTimeout: Double?
    @Option(help: "Seeds run at once (cores).") var parallel = 2
    @Flag(help: "No progress on stderr.") var quiet = false

    func validate() throws {
        if seeds < 2 {
            throw ValidationError("--seeds must be at least 2 (a standard error needs two)")
        }
        try knobs.check(baseline: baseline, evalPrompts: evalPrompts, parallel: parallel)
        if let front = knobs.front,
            front.values.contains(where: { $0 < 0 }) || !front.values.contains(1)
        {
            throw ValidationError("--front values must be ≥ 0 and include 1 (SLERP)")
        }
        if let betaGrowth { try NumericOption.check(betaGrowth, "--beta-growth", positive: true) }
        if let rewardTimeout {
            try NumericOption.check(rewardTimeout, "--reward-timeout", positive: true)
        }
    }

    var settings: WarpSettings {
        var s = knobs.settings(baseline: baseline, evalPrompts: evalPrompts)
        s.reward = reward.spec
        s.rewardTimeout = rewardTimeout
        s.betaGrowth = betaGrowth == 1 ? nil : betaGrowth
        s.parallelRuns = 1
        return s
    }

    func run() throws {
        BLASThreads.set(1)
        if evalPrompts < 1024 {
            stderrLine("warning: --eval-prompts \(evalPrompts) < 1024: effects will be noisy")
        }
        let settings = settings
        var config = settings.sft.model
        config.vocabSize = try SFTRun.corpus(settings.sft).vocabulary.count
        let evaluation = MemoryEstimate.evaluation(
            config, batch: settings.evaluation.batchSize, prompts: evalPrompts)
        try (MemoryEstimate.reinforce(config, batch: knobs.batch) + evaluation).times(2 * parallel)
            .check("warp study")
        let study = try WarpStudy(
            settings: settings, seeds: (0..<UInt64(seeds)).map { firstSeed + $0 },
            directory: studyDir, parallel: parallel)
        let clock = Date()
        if !quiet {
            study.log = { line in
                stderrLine(String(format: "[%6.1fs] ", Date().timeIntervalSince(clock)) + line)
            }
        }
        let report = try study.run()
        print(report.markdown(), terminator: "")
        print(
            String(
                format: "wrote %@ (%@) in %.1f s", studyDir,
                WarpStudy.resultFiles.joined(separator: ", "), Date().timeIntervalSince(clock)))
    }
}
