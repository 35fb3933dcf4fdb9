import Foundation
import Testing

@testable import Reinforce

@Suite struct ModelSamplingTests {
    @Test func kvCacheLogitsEqualFullForward() throws {
        let model = Tiny.model()
        let rows = [[0, 3, 4, 5, 6, 2], [0, 10, 9, 1, 1, 7]]
        let ws = GPTWorkspace(config: model.config, capacity: 2, length: 6, training: false)
        try model.forward(tokens: rows[0] + rows[1], batch: 2, steps: 6, workspace: ws)
        let sampler = GPTSampler(config: model.config, capacity: 2)
        var worst: Float = 0
        for pos in 0..<6 {
            let logits = try sampler.step(
                model: model, tokens: [rows[0][pos], rows[1][pos]],
                position: pos)
            for r in 0..<2 {
                let full = ws.logits(row: r, position: pos)
                for k in 0..<11 { worst = max(worst, abs(full[k] - logits[r * 11 + k])) }
            }
        }
        #expect(worst < 1e-5, "max difference \(worst)")
    }

    @Test func sameSeedGivesSameSamples() throws {
        let model = Tiny.model()
        let sampler = GPTSampler(config: model.config, capacity: 4)
        let prompts = [[0, 3], [0, 4, 5], [0], [0, 9, 9, 9]]
        var g1 = SeededGenerator(seed: 42), g2 = SeededGenerator(seed: 42)
        var g3 = SeededGenerator(seed: 43)
        let a = try sampler.sample(
            model: model, prompts: prompts, newTokens: 3, temperature: 1,
            stopAtEnd: false, generator: &g1)
        let b = try sampler.sample(
            model: model, prompts: prompts, newTokens: 3, temperature: 1,
            stopAtEnd: false, generator: &g2)
        var others: [[[Int]]] = []
        for _ in 0..<3 {
            others.append(
                try sampler.sample(
                    model: model, prompts: prompts, newTokens: 3,
                    temperature: 1, stopAtEnd: false, generator: &g3))
        }
        #expect(a == b)
        #expect(g1 == g2)
        #expect(a.map(\.count) == [3, 3, 3, 3])
        #expect(others.contains { $0 != a })
    }

    @Test func greedyFollowsTheArgmaxOfTheFullForward() throws {
        let model = Tiny.model()
        let sampler = GPTSampler(config: model.config, capacity: 1)
        var g = SeededGenerator(seed: 1)
        let out = try sampler.sample(
            model: model, prompts: [[0, 5]], newTokens: 4,
            temperature: 0, stopAtEnd: false, generator: &g)[0]
        var seq = [0, 5]
        let ws = GPTWorkspace(config: model.config, capacity: 1, length: 6, training: false)
        for _ in 0..<4 {
            try model.forward(tokens: seq, batch: 1, steps: seq.count, workspace: ws)
            let z = ws.logits(row: 0, position: seq.count - 1)
            seq.append(z.indices.max { z[$0] < z[$1] || (z[$0] == z[$1] && $0 > $1) }!)
        }
        #expect(out == Array(seq[2...]))
    }

    @Test func samplingFrequenciesFollowTheTemperedDistribution() throws {
        let model = Tiny.model(seed: 3)
        let sampler = GPTSampler(config: model.config, capacity: 64)
        let ws = GPTWorkspace(config: model.config, capacity: 1, length: 6, training: false)
        try model.forward(tokens: [0, 2], batch: 1, steps: 2, workspace: ws)
        let z = ws.logits(row: 0, position: 1).map { Double($0) / 0.5 }
        let e = z.map { exp($0 - z.max()!) }
        let p = e.map { $0 / e.reduce(0, +) }
        var counts = [Double](repeating: 0, count: 11)
        var g = SeededGenerator(seed: 9)
        let prompts = [[Int]](repeating: [0, 2], count: 64)
        for _ in 0..<60 {
            for c in try sampler.sample(
                model: model, prompts: prompts, newTokens: 1,
                temperature: 0.5, generator: &g)
            {
                counts[c[0]] += 1
            }
        }
        let n = counts.reduce(0, +)
        for k in 0..<11 {
            let sd = (p[k] * (1 - p[k]) / n).squareRoot()
            #expect(abs(counts[k] / n - p[k]) < 5 * sd + 1e-3, "token \(k)")
        }
    }

    @Test func stopsAtTheEndMarkerAndRejectsBadInput() throws {
        let model = Tiny.model()
        // Make <bos> (id 0) overwhelmingly likely: a large ln_f bias along wte[0].
        let m = model.copy()
        let lnfb = m.layout.entry("ln_f.bias")!, wte = m.layout.entry("wte.weight")!
        for i in 0..<8 { m.parameters[lnfb.offset + i] = 400 * m.parameters[wte.offset + i] }
        let sampler = GPTSampler(config: m.config, capacity: 2)
        var g = SeededGenerator(seed: 5)
        let out = try sampler.sample(
            model: m, prompts: [[0, 3], [0]], newTokens: 4,
            temperature: 1, generator: &g)
        #expect(out == [[0], [0]])
        #expect(throws: ReinforceError.sequenceTooLong(index: 0, length: 8, context: 7)) {
            try sampler.sample(
                model: m, prompts: [[0, 1, 2]], newTokens: 5, temperature: 1,
                generator: &g)
        }
        #expect(throws: ReinforceError.emptySequence(index: 0)) {
            try sampler.sample(
                model: m, prompts: [[]], newTokens: 1, temperature: 1,
                generator: &g)
        }
        #expect(throws: ReinforceError.invalidOption(name: "temperature", reason: "-1.0")) {
            try sampler.sample(
                model: m, prompts: [[0]], newTokens: 1, temperature: -1,
                generator: &g)
        }
    }
}
