import Merging

/// Settings of the iterative WARP loop (paper Algorithm 1).
///
/// Defaults are chosen so `mergetool warp --iterations 1 --runs 2` (SFT included) finishes in
/// about five minutes on two cores in a release build and still shows the effects.
public struct WarpSettings: Codable, Sendable, Equatable {
    /// I, M, T of Algorithm 1.
    public var iterations = 1
    public var runs = 2
    public var steps = 800
    /// η of the LITI update: θ_init ← (1 − η)·θ_init + η·θ_slerp (paper: 0.3).
    public var eta = 0.3
    /// η values at which the LITI front is evaluated (paper §4.3).
    public var front: [Double] = [0, 0.1, 0.3, 0.5, 0.8, 1]
    /// The RL runs' settings: β, μ (EMA anchor), batch, tokens, optimiser. The anchor is
    /// forced to `.ema(rate: mu)` for WARP runs.
    public var reinforce = ReinforceSettings()
    /// EMA rate μ.
    public var mu: Float = 0.01
    /// SFT-anchored baseline runs at these β (default one at β = 0.1; empty: none), each of `baselineSteps` steps
    /// (nil: I·T, the length of one WARP lineage).
    public var baselines: [Float] = [0.1]
    public var baselineSteps: Int?
    /// Held-out evaluation every `evalEvery` steps of every run (the trajectories).
    public var evalEvery = 100
    public var evaluation = EvaluationSettings()
    /// The SFT stage, run when the directory has no SFT policy yet.
    public var sft = SFTRunSettings()
    /// Seed of everything random in the loop (run m of iteration i: seed + 1000·i + m).
    public var seed: UInt64 = 0
    /// Merge granularity for SLERP (angles per tensor, as the architecture describes).
    public var granularity = Granularity.tensor
    /// Runs trained at the same time (the machine's cores).
    public var parallelRuns = 2
    /// Reward spec (`RewardSpec.make`).
    public var reward = "lexicon"
    /// Seconds before an external reward command is killed (nil: `ExternalReward.defaultTimeout`;
    /// optional so `summary`/settings files written before it existed still decode).
    public var rewardTimeout: Double?

    public init() {
        reinforce.optimizer.learningRate = 2e-3
        evaluation.promptCount = 128  // the summed KL is heavy-tailed: more prompts, less noise
    }

    /// The η values written and evaluated: the front plus `eta` if it is not on it.
    public var outputEtas: [Double] {
        front.contains(eta) ? front : (front + [eta]).sorted()
    }

    /// Run settings of run m (1-based) of iteration i (1-based).
    public func runSettings(iteration i: Int, run m: Int) -> RLRunSettings {
        var s = RLRunSettings()
        s.reinforce = reinforce
        s.reinforce.anchor = .ema(rate: mu)
        let runSeed = seed &+ UInt64(1000 * i + m)
        s.reinforce.seed = runSeed
        s.promptSeed = runSeed
        s.steps = steps
        s.evalEvery = evalEvery
        s.reward = reward
        return s
    }

    /// Run settings of the SFT-anchored baseline at β.
    public func baselineSettings(beta: Float, index k: Int) -> RLRunSettings {
        var s = RLRunSettings()
        s.reinforce = reinforce
        s.reinforce.anchor = .fixed
        s.reinforce.beta = beta
        let runSeed = seed &+ UInt64(100_000 + k)
        s.reinforce.seed = runSeed
        s.promptSeed = runSeed
        s.steps = baselineSteps ?? iterations * steps
        s.evalEvery = evalEvery
        s.reward = reward
        return s
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
        try runSettings(iteration: 1, run: 1).validate()
        try evaluation.validate()
    }
}
