import ArgumentParser
import Foundation
import Reinforce

/// `mergetool warp --run-dir DIR`: the iterative WARP loop on the built-in task.
struct WarpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warp",
        abstract: "Run the iterative WARP loop: EMA-anchored RL runs, SLERP, LITI (Algorithm 1).",
        discussion: """
            Trains SFT first when DIR/sft holds none. Per iteration: M REINFORCE runs from \
            the current init (EMA anchor, different seeds and prompt orders, in parallel), \
            merged by SLERP of task vectors with λ = 1/M through the merge engine; the LITI \
            front θ_η = (1−η)·θ_init + η·θ_slerp is evaluated (reward, KL to SFT) at every \
            --front η, and θ_η for --eta becomes the next init. Writes every checkpoint \
            (Hugging Face layout), metrics, summary.json, front.txt, figures/*.svg (KL–reward \
            plane) and the angles report of the merged runs.
            """)

    @Option(name: .customLong("run-dir"), help: "Output run directory.") var runDir: String
    @Option(help: "Iterations I.") var iterations = 1
    @Option(help: "RL runs per iteration M (≥ 2).") var runs = 2
    @Option(help: "REINFORCE steps per run T.") var steps = WarpSettings().steps
    @Option(help: "LITI η: the next init is (1−η)·init + η·slerp.") var eta = 0.3
    @Option(help: "η values of the evaluated front.") var front = "0,0.1,0.3,0.5,0.8,1"
    @Option(help: "KL coefficient β of the WARP runs.") var beta: Float = 0.1
    @Option(help: "EMA rate μ.") var mu: Float = 0.01
    @Option(help: "Adam learning rate of the RL runs.")
    var lr: Float = WarpSettings().reinforce.optimizer.learningRate
    @Option(help: "Completions per step.") var batch = 16
    @Option(help: "SFT-anchored REINFORCE baselines at these β, e.g. 0.1,0 ('none': no baseline).")
    var baseline = "0.1"
    @Option(name: .customLong("baseline-steps"), help: "Steps of each baseline (default I·T).")
    var baselineSteps: Int?
    @Option(name: .customLong("sft-steps"), help: "SFT steps when SFT is trained here.")
    var sftSteps = WarpSettings().sft.steps
    @Option(name: .customLong("eval-every"), help: "Held-out evaluation every E steps.")
    var evalEvery = WarpSettings().evalEvery
    @Option(name: .customLong("eval-prompts"), help: "Held-out prompts per evaluation.")
    var evalPrompts = WarpSettings().evaluation.promptCount
    @Option(help: "Reward: lexicon or external:COMMAND.") var reward = "lexicon"
    @Option(
        name: .customLong("reward-timeout"),
        help: "Seconds before an external reward command is killed (per batch).")
    var rewardTimeout = ExternalReward.defaultTimeout
    @Option(help: "Runs trained at once (cores).") var parallel = 2
    @Option(help: "Seed of the whole loop.") var seed: UInt64 = 0
    @Flag(help: "No progress on stderr.") var quiet = false

    static func numbers(_ text: String, _ flag: String) throws -> [Double] {
        let values = text.split(separator: ",").map {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            throw ValidationError("\(flag) must be comma-separated numbers, got '\(text)'")
        }
        return values.map { $0! }
    }

    func validate() throws {
        if iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if runs < 2 { throw ValidationError("--runs must be at least 2 (SLERP merges M ≥ 2 runs)") }
        if steps < 1 || sftSteps < 1 {
            throw ValidationError("--steps and --sft-steps must be ≥ 1")
        }
        try NumericOption.check(eta, "--eta", atLeast: 0)
        if try Self.numbers(front, "--front").contains(where: { $0 < 0 }) {
            throw ValidationError("--front values must be ≥ 0")
        }
        if baseline != "none", try Self.numbers(baseline, "--baseline").contains(where: { $0 < 0 })
        {
            throw ValidationError("--baseline β values must be ≥ 0")
        }
        try NumericOption.check(beta, "--beta", atLeast: 0)
        try NumericOption.check(mu, "--mu", in: 0...1)
        try NumericOption.check(lr, "--lr", positive: true)
        try NumericOption.check(rewardTimeout, "--reward-timeout", positive: true)
        if batch < 1 || evalEvery < 1 || evalPrompts < 1 || parallel < 1 {
            throw ValidationError("--batch, --eval-every, --eval-prompts, --parallel must be ≥ 1")
        }
    }

    var settings: WarpSettings {
        get throws {
            var s = WarpSettings()
            s.iterations = iterations
            s.runs = runs
            s.steps = steps
            s.eta = eta
            s.front = try Self.numbers(front, "--front")
            s.reinforce.beta = beta
            s.reinforce.batchSize = batch
            s.reinforce.optimizer.learningRate = lr
            s.mu = mu
            s.baselines =
                baseline == "none"
                ? [] : try Self.numbers(baseline, "--baseline").map(Float.init)
            s.baselineSteps = baselineSteps
            s.sft.steps = sftSteps
            s.evalEvery = evalEvery
            s.evaluation.promptCount = evalPrompts
            s.reward = reward
            s.rewardTimeout = rewardTimeout
            s.parallelRuns = parallel
            s.seed = seed
            return s
        }
    }

    func run() throws {
        BLASThreads.set(1)
        let settings = try settings
        var config = settings.sft.model
        config.vocabSize = try SFTRun.corpus(settings.sft).vocabulary.count
        let evaluation = MemoryEstimate.evaluation(
            config, batch: settings.evaluation.batchSize, prompts: evalPrompts)
        try (MemoryEstimate.reinforce(config, batch: batch) + evaluation).times(parallel)
            .check("warp")
        let loop = try WarpLoop(settings: settings, directory: runDir)
        let clock = Date()
        if !quiet {
            loop.log = { line in
                stderrLine(String(format: "[%6.1fs] ", Date().timeIntervalSince(clock)) + line)
            }
        }
        let summary = try loop.run()
        print(summary.table(), terminator: "")
        print(
            String(
                format: "wrote %@ (summary.json, front.txt, figures/kl_reward.svg, "
                    + "figures/iterations.svg, figures/training.svg) in %.1f s",
                runDir, Date().timeIntervalSince(clock)))
    }
}
