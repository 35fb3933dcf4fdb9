import Foundation
import Merging
import SafeTensors
import TestSupport
import Testing

@testable import Reinforce

@Suite("Warp: the iterative loop end to end")
struct WarpTests {
    static func settings() -> WarpSettings {
        var s = WarpSettings()
        s.runs = 2
        s.steps = 3
        s.eta = 0.5
        s.front = [0, 0.5, 1]
        s.reinforce.batchSize = 4
        s.reinforce.newTokens = 4
        s.reinforce.optimizer.learningRate = 1e-2
        s.reinforce.optimizer.warmupSteps = 1
        s.mu = 0.1
        s.evalEvery = 3
        s.evaluation = RunFixture.evaluation(prompts: 4)
        s.sft.model = RunFixture.config
        s.sft.steps = 2
        s.sft.corpusSize = 40
        s.sft.trainer.batchSize = 4
        return s
    }

    /// Naive SLERP of two task vectors per tensor (λ = 1/2), in Double.
    static func naiveSlerp(init base: [Float], _ a: [Float], _ b: [Float], lambda: Double)
        -> [Double]
    {
        let d1 = zip(a, base).map { Double($0) - Double($1) }
        let d2 = zip(b, base).map { Double($0) - Double($1) }
        let dot = zip(d1, d2).reduce(0) { $0 + $1.0 * $1.1 }
        let n1 = d1.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let n2 = d2.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let omega = acos(max(-1, min(1, dot / (n1 * n2))))
        let c1 = sin((1 - lambda) * omega) / sin(omega), c2 = sin(lambda * omega) / sin(omega)
        return base.indices.map { Double(base[$0]) + c1 * d1[$0] + c2 * d2[$0] }
    }

    /// Two runs from one init, merged through the engine: every tensor of θ_η equals
    /// θ_init + η·(naive SLERP − θ_init).
    @Test func mergeIsTheSlerpOfTaskVectorsAndItsLitiFront() throws {
        let loop = try WarpLoop(settings: Self.settings(), directory: nil)
        let sft = try RunFixture.model(seed: 4)
        let jobs = (1...2).map { m in
            TrainJob(
                name: "run-\(m)", settings: loop.settings.runSettings(iteration: 1, run: m),
                directory: nil)
        }
        let runs = try loop.train(
            jobs, initial: sft, sft: (sft, RunFixture.vocabulary),
            reward: SentimentLexiconReward())
        #expect(runs[0].policy.parameters.array != runs[1].policy.parameters.array)
        // The naive reference below is per tensor.
        let (outputs, report) = try WarpMerge.run(
            WarpMerge.slerp(granularity: .tensor, etas: [0, 0.5, 1]), init: sft,
            models: runs.map(\.policy), labels: ("init", ["run-1", "run-2"]))
        #expect(report.method == .slerp)
        var worst = 0.0
        for e in sft.layout.entries {
            let base = sft.tensor(e.name)!
            let s = Self.naiveSlerp(
                init: base, runs[0].policy.tensor(e.name)!,
                runs[1].policy.tensor(e.name)!, lambda: 0.5)
            for (k, eta) in [0.0, 0.5, 1].enumerated() {
                let got = try #require(outputs[k].tensor(e.name))
                for i in got.indices {
                    let want = (1 - eta) * Double(base[i]) + eta * s[i]
                    worst = max(worst, abs(Double(got[i]) - want))
                }
            }
            #expect(outputs[0].tensor(e.name) == base, "η = 0 is the init exactly")
        }
        #expect(worst < 1e-6)
    }

    @Test func oneIterationInMemory() throws {
        let sft = try RunFixture.model(seed: 4)
        let summary = try WarpLoop(settings: Self.settings(), directory: nil)
            .run(sft: (sft, RunFixture.vocabulary))
        #expect(summary.iterations.count == 1)
        let it = summary.iterations[0]
        #expect(it.runs.count == 2)
        #expect(it.front.map(\.eta) == [0, 0.5, 1])
        // η = 0 is θ_init, evaluated with the same draws: the same numbers.
        #expect(it.front[0].evaluation.reward == it.initial.reward)
        #expect(it.front[0].evaluation.kl == it.initial.kl)
        #expect(it.initial.kl == 0)
        // Trajectories: steps 0 and 3.
        #expect(it.runs[0].trajectory.map(\.step) == [0, 3])
        #expect(it.runs.allSatisfy { $0.ema != nil })
        #expect(it.taskVectorCosine.map { abs($0) < 1 } == true)
        #expect(summary.table().contains("LITI η=0.50"))
    }

    @Test func runDirectoryLayout() throws {
        let dir = Fixture.tempDir("warp")
        var settings = Self.settings()
        settings.baselines = [0]
        settings.baselineSteps = 2
        let summary = try WarpLoop(settings: settings, directory: dir).run()
        let fm = FileManager.default
        for path in [
            "sft/policy/model.safetensors", "sft/metrics.csv", "sft/run.json",
            "iteration-1/init/config.json", "iteration-1/run-1/policy/vocab.json",
            "iteration-1/run-2/ema/model.safetensors", "iteration-1/run-1/metrics.csv",
            "iteration-1/run-1/eval.csv", "iteration-1/eta-0.00/model.safetensors",
            "iteration-1/eta-0.50/config.json", "iteration-1/eta-1.00/vocab.json",
            "iteration-1/angles.txt", "iteration-1/angles.json", "iteration-1/front.csv",
            "iteration-1/evaluation.json",
            "baseline-beta-0.0/policy/model.safetensors", "summary.json", "front.txt",
            "figures/kl_reward.svg", "figures/iterations.svg", "figures/training.svg",
        ] {
            #expect(fm.fileExists(atPath: dir + "/" + path), "missing \(path)")
        }
        #expect(summary.baselines.count == 1)
        let json = try RunFixture.jsonObject(dir + "/summary.json")
        #expect((json["iterations"] as? [Any])?.count == 1)
        let svg = String(
            decoding: try #require(RunFixture.bytes(dir + "/figures/kl_reward.svg")),
            as: UTF8.self)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(svg.contains("LITI front, iteration 1"))
        // The saved η = 0.5 policy is the next init, loadable as a policy.
        let next = try PolicyCheckpoint.load(dir + "/iteration-1/eta-0.50").model
        #expect(next.config == RunFixture.config)
    }

    @Test func badSettingsThrow() {
        var s = Self.settings()
        s.runs = 1
        #expect(
            throws: ReinforceError.invalidOption(
                name: "runs", reason: "SLERP needs at least 2 runs, got 1")
        ) { try WarpLoop(settings: s, directory: nil) }
        s = Self.settings()
        s.front = [-0.1]
        #expect(
            throws: ReinforceError.invalidOption(
                name: "front", reason: "η values must be finite and ≥ 0")
        ) { try WarpLoop(settings: s, directory: nil) }
        s = Self.settings()
        s.lengthPenalty = .nan
        #expect(throws: ReinforceError.invalidOption(name: "length penalty", reason: "nan")) {
            try WarpLoop(settings: s, directory: nil)
        }
    }

    /// One default granularity, the paper's: the trainer's matches the `slerp` command's.
    @Test func defaultGranularityIsPerLayer() {
        #expect(WarpSettings().granularity == .layer)
        #expect(Self.settings().granularity == .layer)
    }

    /// Every output of every planned step exists after a run, and every input of a step is
    /// the output of an earlier step.
    @Test func planStepsFindTheirFilesInTheRunDirectory() throws {
        let root = Fixture.tempDir("warp-plan")
        var settings = Self.settings()
        settings.iterations = 2
        settings.front = [0, 0.5]  // without 1: θ_slerp is still written (eta-1.00)
        settings.baselines = [0]
        settings.baselineSteps = 1
        _ = try WarpLoop(settings: settings, directory: root).run()
        let dir = WarpRunDirectory(root)
        let plan = WarpStep.plan(settings)
        #expect(plan.first == .sft && plan.last == .summary)
        #expect(plan.contains(.finalFront))
        var made = Set<String>()
        for step in plan {
            for input in step.inputs(settings, in: dir) {
                #expect(made.contains(input), "\(step) reads \(input) before it is written")
            }
            for output in step.outputs(settings, in: dir) {
                #expect(FileManager.default.fileExists(atPath: output), "\(step): \(output)")
                made.insert(output)
            }
        }
        #expect(made.contains(dir.liti(eta: 1, iteration: 2)))
        #expect(made.contains(dir.initial(iteration: 2)))
        #expect(made.contains(dir.finalFront(kappa: 0.5)))
    }
}
