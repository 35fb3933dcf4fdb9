import Testing

@testable import Reinforce

@Suite("Warp: independent run seeds")
struct WarpSeedsTests {
    /// Every seed a loop uses: runs (sampling and prompts) for iterations 1…3 and runs 1…8,
    /// baselines 0…3, and the evaluation draws.
    static func allSeeds(_ seed: UInt64) -> [UInt64] {
        var s = WarpSettings()
        s.seed = seed
        s.iterations = 3
        s.runs = 8
        s.baselines = [0, 0.05, 0.1, 0.3]
        var out: [UInt64] = []
        for i in 1...3 {
            for m in 1...8 {
                let r = s.runSettings(iteration: i, run: m)
                out += [r.reinforce.seed, r.promptSeed]
            }
        }
        for (k, beta) in s.baselines.enumerated() {
            let b = s.baselineSettings(beta: beta, index: k)
            out += [b.reinforce.seed, b.promptSeed]
        }
        out.append(s.evaluationSettings.seed)
        return out
    }

    @Test func noTwoSeedsShareARun() {
        let seeds = (0...9).flatMap { Self.allSeeds(UInt64($0)) }
        #expect(seeds.count == 10 * (3 * 8 * 2 + 4 * 2 + 1))
        #expect(Set(seeds).count == seeds.count)
    }

    /// The old scheme (`seed + 1000·i + m`) made these two the same run.
    @Test func runTwoOfSeedZeroIsNotRunOneOfSeedOne() {
        var a = WarpSettings(), b = WarpSettings()
        a.seed = 0
        b.seed = 1
        let x = a.runSettings(iteration: 1, run: 2), y = b.runSettings(iteration: 1, run: 1)
        #expect(x.reinforce.seed != y.reinforce.seed)
        #expect(x.promptSeed != y.promptSeed)
    }

    /// The finaliser is SplitMix64's: the generator's first output for seed 0 is mix(γ), the
    /// published 0xE220A8397B1DCDAF.
    @Test func mixIsTheSplitMix64Finaliser() {
        #expect(WarpSeeds.mix(WarpSeeds.gamma) == 0xE220_A839_7B1D_CDAF)
    }

    /// Hand-computed from the formula in `WarpSeeds`' documentation.
    @Test func seedFollowsItsFormula() {
        let role = WarpSeeds.Role.runSampling.rawValue, g = WarpSeeds.gamma
        let h0 = WarpSeeds.mix(5 ^ role)
        let h1 = WarpSeeds.mix(h0 &+ g &+ 2)
        #expect(
            WarpSeeds(5).seed(.runSampling, iteration: 2, run: 3) == WarpSeeds.mix(h1 &+ g &+ 3))
    }

    @Test func seedsAreAPureFunctionOfTheirFields() {
        let s = WarpSeeds(7)
        #expect(
            s.seed(.runSampling, iteration: 2, run: 3)
                == WarpSeeds(7).seed(
                    .runSampling, iteration: 2, run: 3))
        #expect(
            s.seed(.runSampling, iteration: 2, run: 3) != s.seed(.runPrompts, iteration: 2, run: 3))
        #expect(
            s.seed(.runSampling, iteration: 2, run: 3) != s.seed(.runSampling, iteration: 3, run: 2)
        )
    }
}
