import Foundation
import Testing

@testable import Reinforce

/// The hand-written kernels (exp, GELU, softmax, reductions, attention) against naive Double
/// loops, at lengths that exercise the eight-lane bodies and their tails.
@Suite struct ModelKernelTests {
    static let lengths = [0, 1, 3, 7, 8, 9, 16, 17, 31, 299]

    /// Deterministic values in [−scale, scale).
    static func values(_ n: Int, seed: UInt64, scale: Float = 3) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in Float(g.nextUnit() * 2 - 1) * scale }
    }

    @Test func fastExpIsWithinTwoUlpOfExp() {
        var worst = 0.0
        var x: Float = -87.3
        while x < 88.3 {
            let want = Foundation.exp(Double(x))
            let got = Double(Kernels.fastExp(x))
            worst = max(worst, abs(got - want) / want)
            x += 0.0137
        }
        #expect(worst <= 2.5e-7, "max relative error \(worst)")  // 2 ulp = 2.4e-7 at worst
        #expect(Kernels.fastExp(0) == 1)
        #expect(Kernels.fastExp(100) == .infinity)
        #expect(Kernels.fastExp(-100) == 0)
        #expect(Kernels.fastExp(-.infinity) == 0)
        #expect(Kernels.fastExp(.nan).isNaN)
    }

    @Test func geluForwardAndBackwardMatchDouble() {
        let n = 1000
        let x = Self.values(n, seed: 1, scale: 12)
        let dout = Self.values(n, seed: 2)
        var out = [Float](repeating: 0, count: n), out2 = out, sg = out, dinp = out
        Kernels.geluForward(out: &out, inp: x, count: n)
        Kernels.geluForward(out: &out2, sigmoid: &sg, inp: x, count: n)
        Kernels.geluBackward(dinp: &dinp, inp: x, sigmoid: sg, dout: dout, count: n)
        let s = (2 / Double.pi).squareRoot()
        for i in 0..<n {
            let xd = Double(x[i])
            let t = tanh(s * (xd + 0.044715 * xd * xd * xd))
            let y = 0.5 * xd * (1 + t)
            let dy = 0.5 * (1 + t) + 0.5 * xd * (1 - t * t) * s * (1 + 3 * 0.044715 * xd * xd)
            #expect(out[i] == out2[i])
            #expect(abs(Double(sg[i]) - (1 + t) / 2) < 3e-7, "σ at \(x[i])")
            #expect(abs(Double(out[i]) - y) < 1e-6 * max(1, abs(xd)), "gelu at \(x[i])")
            // Float rounding of ½x(1 − th²)·…: a few ulp of |x|·|dout|.
            let bound = 1e-6 * (1 + abs(xd)) * abs(Double(dout[i])) + 1e-7
            #expect(abs(Double(dinp[i]) - dy * Double(dout[i])) < bound, "gelu' at \(x[i])")
        }
    }

    @Test(arguments: lengths.filter { $0 > 0 })
    func softmaxMatchesDouble(n: Int) {
        let z = Self.values(n, seed: UInt64(n), scale: 20)
        for invT: Float in [1, 1 / 0.9] {
            var p = [Float](repeating: 0, count: n)
            let lse = Kernels.softmax(out: &p, logits: z, n: n, invTemperature: invT)
            let zd = z.map { Double($0) * Double(invT) }
            let mx = zd.max()!
            let total = zd.reduce(0) { $0 + Foundation.exp($1 - mx) }
            #expect(abs(Double(lse) - (mx + log(total))) < 1e-5 * max(1, abs(mx)))
            for i in 0..<n {
                #expect(abs(Double(p[i]) - Foundation.exp(zd[i] - mx) / total) < 1e-6)
            }
            if invT == 1 {
                var scratch = [Float](repeating: 0, count: n)
                #expect(Kernels.logSumExp(z, scratch: &scratch, count: n) == lse)
                let h = -(0..<n).reduce(0.0) {
                    $0 + Double(p[$1]) * (Double(z[$1]) - Double(lse))
                }
                let got = Kernels.entropy(probs: p, logits: z, logPartition: lse, count: n)
                #expect(abs(Double(got) - h) < 1e-5)
            }
        }
    }

    @Test(arguments: lengths)
    func reductionsMatchDouble(n: Int) {
        let a = Self.values(n, seed: 10 + UInt64(n)), b = Self.values(n, seed: 20 + UInt64(n))
        let sum = a.reduce(0.0) { $0 + Double($1) }
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(Double(Kernels.sum(a, count: n)) - sum) < 1e-5)
        #expect(abs(Double(Kernels.dot(a, b, count: n)) - dot) < 1e-5)
        #expect(Kernels.maximum(a, count: n) == (a.max() ?? -.infinity))
        var y = b
        Kernels.axpy(0.75, a, &y, count: n)
        for i in 0..<n { #expect(y[i] == b[i] + 0.75 * a[i], "axpy \(i)") }  // same Float ops
    }

    @Test(arguments: [12, 64])
    func layerNormMatchesDouble(c: Int) {
        let n = 3
        let x = Self.values(n * c, seed: 30, scale: 4), w = Self.values(c, seed: 31)
        let bias = Self.values(c, seed: 32), dout = Self.values(n * c, seed: 33)
        var out = [Float](repeating: 0, count: n * c), mean = [Float](repeating: 0, count: n)
        var rstd = mean, dx = out
        var dw = [Float](repeating: 0, count: c), db = dw
        Kernels.layerNormForward(
            out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: bias,
            n: n, c: c, eps: 1e-5)
        Kernels.layerNormBackward(
            dinp: &dx, dweight: &dw, dbias: &db, dout: dout, inp: x, weight: w,
            mean: mean, rstd: rstd, n: n, c: c)
        var dwRef = [Double](repeating: 0, count: c)
        for r in 0..<n {
            let row = (0..<c).map { Double(x[r * c + $0]) }
            let m = row.reduce(0, +) / Double(c)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(c)
            let s = 1 / (v + 1e-5).squareRoot()
            let nh = row.map { ($0 - m) * s }
            let g = (0..<c).map { Double(w[$0]) * Double(dout[r * c + $0]) }
            let gMean = g.reduce(0, +) / Double(c)
            let gnMean = zip(g, nh).reduce(0) { $0 + $1.0 * $1.1 } / Double(c)
            for i in 0..<c {
                let want = nh[i] * Double(w[i]) + Double(bias[i])
                #expect(abs(Double(out[r * c + i]) - want) < 1e-5)
                let dxWant = s * (g[i] - gMean - nh[i] * gnMean)
                #expect(abs(Double(dx[r * c + i]) - dxWant) < 1e-5)
                dwRef[i] += nh[i] * Double(dout[r * c + i])
            }
        }
        for i in 0..<c { #expect(abs(Double(dw[i]) - dwRef[i]) < 1e-5) }
    }

    @Test func maximumPropagatesNaN() {
        for k in 0..<9 {
            var a = Self.values(9, seed: 3)
            a[k] = .nan
            #expect(Kernels.maximum(a, count: 9).isNaN, "NaN at \(k)")
        }
    }

    /// Naive causal attention in Double: out, and the gradients for a given dout.
    static func naiveAttention(
        qkv: [Float], dout: [Float], b: Int, t: Int, c: Int, nh: Int
    ) -> (out: [Double], dqkv: [Double]) {
        let hs = c / nh, c3 = 3 * c, scale = 1 / Double(hs).squareRoot()
        var out = [Double](repeating: 0, count: b * t * c)
        var dqkv = [Double](repeating: 0, count: b * t * c3)
        func at(_ bi: Int, _ i: Int, _ part: Int, _ h: Int, _ d: Int) -> Int {
            (bi * t + i) * c3 + part * c + h * hs + d
        }
        for bi in 0..<b {
            for h in 0..<nh {
                for i in 0..<t {
                    var s = [Double](repeating: 0, count: i + 1)
                    for j in 0...i {
                        for d in 0..<hs {
                            s[j] +=
                                Double(qkv[at(bi, i, 0, h, d)]) * Double(qkv[at(bi, j, 1, h, d)])
                        }
                        s[j] *= scale
                    }
                    let mx = s.max()!
                    let e = s.map { Foundation.exp($0 - mx) }
                    let p = e.map { $0 / e.reduce(0, +) }
                    var dp = [Double](repeating: 0, count: i + 1)
                    for j in 0...i {
                        for d in 0..<hs {
                            let o = (bi * t + i) * c + h * hs + d
                            out[o] += p[j] * Double(qkv[at(bi, j, 2, h, d)])
                            dp[j] += Double(dout[o]) * Double(qkv[at(bi, j, 2, h, d)])
                            dqkv[at(bi, j, 2, h, d)] += p[j] * Double(dout[o])
                        }
                    }
                    let dot = (0...i).reduce(0.0) { $0 + p[$1] * dp[$1] }
                    for j in 0...i {
                        let ds = p[j] * (dp[j] - dot) * scale
                        for d in 0..<hs {
                            dqkv[at(bi, i, 0, h, d)] += ds * Double(qkv[at(bi, j, 1, h, d)])
                            dqkv[at(bi, j, 1, h, d)] += ds * Double(qkv[at(bi, i, 0, h, d)])
                        }
                    }
                }
            }
        }
        return (out, dqkv)
    }

    /// hs = 12 (one eight-lane block and a tail) and hs = 16 (`attendRow16`).
    @Test(arguments: [(24, 2), (32, 2)])
    func attentionMatchesNaiveDouble(c: Int, nh: Int) {
        let b = 2, t = 5
        let qkv = Self.values(b * t * 3 * c, seed: 7, scale: 1.5)
        let dout = Self.values(b * t * c, seed: 8)
        var out = [Float](repeating: 0, count: b * t * c)
        var att = [Float](repeating: 0, count: b * nh * t * t)
        var dqkv = [Float](repeating: 0.5, count: b * t * 3 * c)  // backward adds
        var scratch = [Float](repeating: 0, count: t * t)
        Kernels.attentionForward(out: &out, att: &att, qkv: qkv, b: b, t: t, c: c, nh: nh)
        Kernels.attentionBackward(
            dqkv: &dqkv, dout: dout, qkv: qkv, att: att, scratch: &scratch,
            b: b, t: t, c: c, nh: nh)
        let ref = Self.naiveAttention(qkv: qkv, dout: dout, b: b, t: t, c: c, nh: nh)
        for i in out.indices { #expect(abs(Double(out[i]) - ref.out[i]) < 1e-6, "out \(i)") }
        for i in dqkv.indices {
            #expect(abs(Double(dqkv[i]) - 0.5 - ref.dqkv[i]) < 1e-6, "dqkv \(i)")
        }
        for bh in 0..<(b * nh) {
            for i in 0..<t {
                for j in (i + 1)..<t { #expect(att[(bh * t + i) * t + j] == 0) }
            }
        }
    }

    @Test func trainingForwardEqualsInferenceForwardBitForBit() throws {
        let model = Tiny.model(seed: 6)
        let batch = try TokenBatch(
            sequences: [[0, 3, 4, 5, 6, 2], [0, 10, 9, 1]], lossFrom: [2, 1], maxSteps: 6)
        let train = GPTWorkspace(config: model.config, capacity: 2, length: 6, training: true)
        let infer = GPTWorkspace(config: model.config, capacity: 2, length: 6, training: false)
        _ = try model.score(batch, workspace: train)
        try model.forward(
            tokens: batch.inputs, batch: batch.batch, steps: batch.steps, workspace: infer)
        for r in 0..<2 {
            for p in 0..<batch.steps {
                #expect(train.logits(row: r, position: p) == infer.logits(row: r, position: p))
            }
        }
    }

    /// The anchor/reference path: counted rows only in an inference workspace (equal up to
    /// rounding), the full forward in a training one (bit for bit `score`).
    @Test func sequenceLogProbsMatchScore() throws {
        let model = Tiny.model(seed: 6)
        let batch = try TokenBatch(
            sequences: [[0, 3, 4, 5, 6, 2], [0, 10, 9, 1]], lossFrom: [2, 1], maxSteps: 6)
        let train = GPTWorkspace(config: model.config, capacity: 2, length: 6, training: true)
        let infer = GPTWorkspace(config: model.config, capacity: 2, length: 6, training: false)
        let want = try model.score(batch, workspace: train).sequenceLogProbs
        let compact = try model.sequenceLogProbs(batch, workspace: infer)
        for b in 0..<2 { #expect(abs(compact[b] - want[b]) < 1e-5, "row \(b)") }
        #expect(infer.batch == 0 && infer.steps == 0)
        #expect(try model.sequenceLogProbs(batch, workspace: train) == want)
    }
}
