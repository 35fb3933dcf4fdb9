import Foundation
import Reinforce
import Testing

@Suite("WARP β schedule over iterations (--beta-growth)")
struct WarpScheduleTests {
    @Test func constantBetaWithoutGrowth() {
        var s = WarpSettings()
        s.iterations = 3
        for i in 1...3 {
            #expect(s.runSettings(iteration: i, run: 1).reinforce.beta == s.reinforce.beta)
        }
        s.betaGrowth = 1
        #expect(s.runSettings(iteration: 3, run: 2).reinforce.beta == s.reinforce.beta)
    }

    /// β_i = β·g^(i−1) against the closed form in Double, for growth and decay.
    @Test(arguments: [2.0, 0.5, 1.5])
    func betaOfIterationIFollowsTheGeometricSchedule(g: Double) throws {
        var s = WarpSettings()
        s.iterations = 4
        s.reinforce.beta = 0.1
        s.betaGrowth = g
        try s.validate()
        for i in 1...4 {
            let expected = 0.1 * [1, g, g * g, g * g * g][i - 1]
            let beta = Double(s.runSettings(iteration: i, run: 1).reinforce.beta)
            #expect(abs(beta - expected) <= 1e-6 * expected, "i=\(i) β=\(beta)")
            #expect(s.beta(iteration: i) == s.runSettings(iteration: i, run: 2).reinforce.beta)
        }
        // The baselines keep their own β.
        #expect(s.baselineSettings(beta: 0.1, index: 1).reinforce.beta == 0.1)
    }

    @Test(arguments: [0.0, -1.0, Double.nan, Double.infinity])
    func nonPositiveOrNonFiniteGrowthIsRefused(g: Double) {
        var s = WarpSettings()
        s.betaGrowth = g
        #expect(throws: ReinforceError.invalidOption(name: "beta growth", reason: "\(g)")) {
            try s.validate()
        }
    }

    @Test func betaThatOverflowsByTheLastIterationIsRefused() {
        var s = WarpSettings()
        s.iterations = 40
        s.betaGrowth = 1e10
        #expect(throws: ReinforceError.invalidOption(name: "beta", reason: "inf is out of range")) {
            try s.validate()
        }
    }

    /// Settings files written before the knob existed still decode (nil: constant β).
    @Test func olderSettingsWithoutTheKnobDecode() throws {
        var json =
            try JSONSerialization.jsonObject(
                with: JSONEncoder().encode(WarpSettings())) as! [String: Any]
        json.removeValue(forKey: "betaGrowth")
        let data = try JSONSerialization.data(withJSONObject: json)
        let s = try JSONDecoder().decode(WarpSettings.self, from: data)
        #expect(s.betaGrowth == nil && s == WarpSettings())
    }
}
