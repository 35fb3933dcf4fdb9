import Foundation
import Merging

/// Settings of the iterative WARP loop (paper Algorithm 1).
///
/// Defaults are chosen from `mergetool warp study` (8 seeds, README): M = 4 runs reproduce
/// observations (1), (3) and (5) on every seed where M = 2 reproduces none; `mergetool warp`
/// (SFT included) still finishes in well under a minute on two cores in a release build.
public struct WarpSettings: Codable, Sendable, Equatable {
    /// I, M, T of Algorithm 1.
    public var iterations = 1
    public var runs = 4
    public var steps = 800
    /// η of the LITI update: θ_init ← (1 − η)·θ_init + η·θ_slerp (paper: 0.3).
    public var eta = 0.3
    /// η values at which the LITI front is evaluated (paper §4.3).
    public var front: [Double] = [0, 0.1, 0.3, 0.5, 0.8, 1]
    /// The RL runs' settings: β, batch, tokens, temperature, optimiser. The anchor is forced
    /// to `.ema(rate: mu)` for WARP runs (`.fixed` for baselines), `stopAtEnd` to
    /// `!fixedLength`, and the seed to the hashed one (`seeds`).
    public var reinforce = ReinforceSettings()
    /// EMA rate μ.
    public var mu: Float = 0.01
    /// Per-iteration β schedule: iteration i's runs use β_i = β·g^(i−1) with g = `betaGrowth`
    /// (nil: g = 1, the paper's constant β). g > 1 tightens the KL term as the inits move away
    /// from SFT (a KL budget); g < 1 loosens it. Optional so older settings files decode.
    public var betaGrowth: Double?
    /// SFT-anchored baseline runs at these β (default one at β = 0.1; empty: none), each of `baselineSteps` steps
    /// (nil: I·T, the length of one WARP lineage).
    public var baselines: [Float] = [0.1]
    public var baselineSteps: Int?
    /// Held-out evaluation every `evalEvery` steps of every run (the trajectories).
    public var evalEvery = 100
    /// The held-out evaluation; its seed, completion length and stop are set by the loop
    /// (`evaluationSettings`).
    public var evaluation = EvaluationSettings()
    /// The SFT stage, run when the directory has no SFT policy yet.
    public var sft = SFTRunSettings()
    /// Seed of everything random in the loop: every run, baseline and the evaluation draws get
    /// their own seed hashed from (seed, iteration, run, role) (`WarpSeeds`), so different
    /// seeds are independent experiments. SFT is seeded by `sft` alone, so one SFT serves
    /// every seed.
    public var seed: UInt64 = 0
    /// Merge granularity for SLERP: one angle per transformer block (`.layer`, the paper's
    /// choice and the `slerp` command's default), per tensor, or for the whole model.
    public var granularity = Granularity.layer
    /// Runs trained at the same time (the machine's cores).
    public var parallelRuns = 2
    /// Reward spec (`RewardSpec.make`).
    public var reward = "lexicon"
    /// Seconds before an external reward command is killed (nil: `ExternalReward.defaultTimeout`;
    /// optional so `summary`/settings files written before it existed still decode).
    public var rewardTimeout: Double?

    // Knobs of the runs' rewards and completions (issue 13).
    /// Length penalty α per completion token (appendix E): r − α·len(y); nil or 0: none.
    public var lengthPenalty: Double?
    /// Fixed-length completions: sampling does not stop at the end marker, every completion
    /// has `reinforce.newTokens` tokens and the reward sees all of them (`WholeCompletion`),
    /// in training and in evaluation.
    public var fixedLength = false

    public init() {
        reinforce.optimizer.learningRate = 2e-3
        evaluation.promptCount = 128  // the summed KL is heavy-tailed: more prompts, less noise
    }

    /// The η values written and evaluated: the front plus `eta` if it is not on it.
    public var outputEtas: [Double] {
        front.contains(eta) ? front : (front + [eta]).sorted()
    }

    /// The η values the merge writes (`iteration-I/eta-X.XX/`): `outputEtas` plus 1 (θ_slerp,
    /// which the next iteration's final front starts from) if it is not among them.
    public var mergedEtas: [Double] {
        outputEtas.contains(1) ? outputEtas : (outputEtas + [1]).sorted()
    }

    /// Run settings of run m (1-based) of iteration i (1-based).
    public func runSettings(iteration i: Int, run m: Int) -> RLRunSettings {
        var s = RLRunSettings()
        s.reinforce = reinforce
        s.reinforce.beta = beta(iteration: i)
        s.reinforce.anchor = .ema(rate: mu)
        s.reinforce.stopAtEnd = !fixedLength
        s.reinforce.seed = seeds.seed(.runSampling, iteration: i, run: m)
        s.promptSeed = seeds.seed(.runPrompts, iteration: i, run: m)
        s.steps = steps
        s.evalEvery = evalEvery
        s.reward = rewardRecord
        return s
    }

    /// β of iteration i's runs (1-based): β·g^(i−1), g = `betaGrowth` (1 when nil).
    public func beta(iteration i: Int) -> Float {
        guard let g = betaGrowth, g != 1 else { return reinforce.beta }
        return Float(Double(reinforce.beta) * pow(g, Double(i - 1)))
    }

    /// Run settings of the SFT-anchored baseline at β.
    public func baselineSettings(beta: Float, index k: Int) -> RLRunSettings {
        var s = RLRunSettings()
        s.reinforce = reinforce
        s.reinforce.anchor = .fixed
        s.reinforce.stopAtEnd = !fixedLength
        s.reinforce.beta = beta
        s.reinforce.seed = seeds.seed(.baselineSampling, iteration: 0, run: k)
        s.promptSeed = seeds.seed(.baselinePrompts, iteration: 0, run: k)
        s.steps = baselineSteps ?? iterations * steps
        s.evalEvery = evalEvery
        s.reward = rewardRecord
        return s
    }

    /// The loop's seeds (`seed` hashed per run and role).
    public var seeds: WarpSeeds { WarpSeeds(seed) }

    /// The held-out evaluation: `evaluation` with the loop's evaluation seed, the runs'
    /// completion length and, with `fixedLength`, no stop at the end marker. The temperature
    /// stays the evaluation's own (1: the KL measured is KL(π‖π_sft) itself).
    public var evaluationSettings: EvaluationSettings {
        var e = evaluation
        e.seed = seeds.seed(.evaluation, iteration: 0, run: 0)
        e.newTokens = reinforce.newTokens
        e.stopAtEnd = !fixedLength
        return e
    }

    /// The reward spec as runs record it in `run.json`: `reward`, `+length(α)` with a length
    /// penalty, `+whole` for fixed-length completions.
    public var rewardRecord: String {
        var spec = reward
        if let alpha = lengthPenalty, alpha != 0 { spec += "+length(\(alpha))" }
        if fixedLength { spec += "+whole" }
        return spec
    }

    /// The reward the runs and the evaluation use: `reward` with the length penalty, seeing
    /// every sampled token when `fixedLength`.
    /// - Throws: `ReinforceError.unknownReward`.
    public func makeReward() throws -> any RewardFunction {
        let base = try RewardSpec.make(
            reward, lengthPenalty: lengthPenalty,
            timeout: rewardTimeout ?? ExternalReward.defaultTimeout)
        return fixedLength ? WholeCompletion(base) : base
    }

    /// Throws `ReinforceError.invalidOption` for out-of-range values.
    public func validate() throws {
        func bad(_ name: String, _ reason: String) -> ReinforceError {
            .invalidOption(name: name, reason: reason)
        }
        guard iterations >= 1 else { throw bad("iterations", "\(iterations) < 1") }
        guard runs >= 2 else { throw bad("runs", "SLERP needs at least 2 runs, got \(runs)") }
        guard steps >= 1 else { throw bad("steps", "\(steps) < 1") }
        guard eta.isFinite, eta >= 0 else { throw bad("eta", "\(eta)") }
        guard !front.isEmpty, front.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw bad("front", "η values must be finite and ≥ 0")
        }
        guard mu >= 0 && mu <= 1 else { throw bad("mu", "\(mu) outside [0, 1]") }
        guard evalEvery >= 1 else { throw bad("eval-every", "\(evalEvery) < 1") }
        if let t = rewardTimeout { try ExternalReward.validate(timeout: t) }
        guard parallelRuns >= 1 else { throw bad("parallel runs", "\(parallelRuns)") }
        for b in baselines where !(b >= 0 && b.isFinite) { throw bad("baseline", "β = \(b)") }
        if let alpha = lengthPenalty, !alpha.isFinite { throw bad("length penalty", "\(alpha)") }
        if let g = betaGrowth, !(g.isFinite && g > 0) { throw bad("beta growth", "\(g)") }
        try runSettings(iteration: 1, run: 1).validate()
        try runSettings(iteration: iterations, run: 1).validate()
        try evaluationSettings.validate()
    }
}
