import ArgumentParser
import Foundation
import Reinforce

/// `mergetool warp [run] --run-dir DIR`: the iterative WARP loop on the built-in task.
struct WarpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the iterative WARP loop: EMA-anchored RL runs, SLERP, LITI (Algorithm 1).",
        discussion: """
            Trains SFT first when DIR/sft holds none. Per iteration: M REINFORCE runs from \
            the current init (EMA anchor, different seeds and prompt orders, in parallel), \
            merged by SLERP of task vectors with λ = 1/M through the merge engine (one angle \
            per --granularity group; default per layer, the paper's choice); the LITI \
            front θ_η = (1−η)·θ_init + η·θ_slerp is evaluated (reward, KL to SFT) at every \
            --front η, and θ_η for --eta becomes the next init. Every run's seeds are hashed \
            from (--seed, iteration, run, role), so different seeds share no run. Writes every \
            checkpoint (Hugging Face layout), metrics, summary.json, front.txt, figures/*.svg \
            (KL–reward plane) and the angles report of the merged runs; the layout is in the \
            README (WARP section).
            """)

    @Option(name: .customLong("run-dir"), help: "Output run directory.") var runDir: String
    @OptionGroup(title: "Runs, merge and front") var knobs: WarpRunOptions
    @Option(
        name: .customLong("baseline"),
        help: ArgumentHelp(
            "SFT-anchored REINFORCE baselines at these β, e.g. 0.05,0.1,0.3 ('none': no "
                + "baseline; default 0.1, none with a --trainer COMMAND without {anchor}).",
            valueName: "baseline"))
    var baselineOption: BaselineBetas?
    /// `--baseline`, or its default (one baseline at β = 0.1).
    var baseline: BaselineBetas { baselineOption ?? .betas(DoubleList([0.1])) }
    @Option(name: .customLong("eval-prompts"), help: "Held-out prompts per evaluation.")
    var evalPrompts = WarpSettings().evaluation.promptCount
    @Option(help: "Reward: lexicon or external:COMMAND.") var reward = RewardChoice.lexicon
    @Option(
        name: .customLong("reward-timeout"),
        help: "Seconds before an external reward command is killed (per batch).")
    var rewardTimeout = ExternalReward.defaultTimeout
    @Option(help: "Runs trained at once (cores).") var parallel = 2
    @Option(
        help: "Seed of the loop; each run's seeds are hashed from (seed, iteration, run, role).")
    var seed: UInt64 = 0
    @Flag(help: "No progress on stderr.") var quiet = false
    @OptionGroup(title: "Trainer, evaluator and executor") var executor: ExecutorOptions

    /// `--baseline`: a list of β like every other list option, or `none`.
    enum BaselineBetas: ExpressibleByArgument, Equatable {
        case none
        case betas(DoubleList)

        init?(argument: String) {
            if argument == "none" {
                self = .none
            } else if let list = DoubleList(argument: argument) {
                self = .betas(list)
            } else {
                return nil
            }
        }

        var values: [Double] {
            switch self {
            case .none: []
            case .betas(let list): list.values
            }
        }

        var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
    }

    func validate() throws {
        try knobs.check(baseline: baseline, evalPrompts: evalPrompts, parallel: parallel)
        if let front = knobs.front, front.values.contains(where: { $0 < 0 }) {
            throw ValidationError("--front values must be ≥ 0")
        }
        try NumericOption.check(rewardTimeout, "--reward-timeout", positive: true)
    }

    /// The loop's settings (throws nothing today; `get throws` keeps call sites stable).
    var settings: WarpSettings {
        get throws { makeSettings() }
    }

    private func makeSettings() -> WarpSettings {
        var s = knobs.settings(baseline: baseline, evalPrompts: evalPrompts)
        s.reward = reward.spec
        s.rewardTimeout = rewardTimeout
        s.parallelRuns = parallel
        s.seed = seed
        return s
    }

    func run() throws {
        BLASThreads.set(1)
        if !executor.isInProcess || executor.evaluator != nil {
            return try runExternal()
        }
        let settings = try settings
        var config = settings.sft.model
        config.vocabSize = try SFTRun.corpus(settings.sft).vocabulary.count
        let evaluation = MemoryEstimate.evaluation(
            config, batch: settings.evaluation.batchSize, prompts: evalPrompts)
        try (MemoryEstimate.reinforce(config, batch: knobs.batch) + evaluation).times(parallel)
            .check("warp")
        let loop = try WarpLoop(settings: settings, directory: runDir)
        let clock = Date()
        if !quiet {
            loop.log = { line in
                stderrLine(String(format: "[%6.1fs] ", Date().timeIntervalSince(clock)) + line)
            }
        }
        let summary = try loop.run(sft: try executor.sft.map { try PolicyCheckpoint.load($0) })
        print(summary.table(), terminator: "")
        print(
            String(
                format: "wrote %@ (%@) in %.1f s", runDir,
                WarpRunDirectory.resultFiles.joined(separator: ", "),
                Date().timeIntervalSince(clock)))
    }
}
