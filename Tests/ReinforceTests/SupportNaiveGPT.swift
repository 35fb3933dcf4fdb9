import Foundation

@testable import Reinforce

/// Plain-loop Double reference of the GPT forward (no BLAS, no shared code with the kernels
/// beyond the parameter layout), used to check the Float model and for finite differences.
struct NaiveGPT {
    let config: GPTConfig
    let layout: ParameterLayout
    var params: [Double]

    init(_ model: GPT) {
        config = model.config
        layout = model.layout
        params = model.parameters.array.map(Double.init)
    }

    func slice(_ name: String) -> ArraySlice<Double> {
        let e = layout.entry(name)!
        return params[e.offset..<(e.offset + e.count)]
    }

    func layerNorm(_ x: [Double], _ w: ArraySlice<Double>, _ b: ArraySlice<Double>) -> [Double] {
        let n = Double(x.count)
        let m = x.reduce(0, +) / n
        let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n
        let s = 1 / (v + Double(config.layerNormEpsilon)).squareRoot()
        return x.indices.map { (x[$0] - m) * s * w[w.startIndex + $0] + b[b.startIndex + $0] }
    }

    /// y = x · W + b with W stored (in, out).
    func linear(_ x: [Double], _ w: ArraySlice<Double>, _ b: ArraySlice<Double>) -> [Double] {
        let oc = b.count
        var y = Array(b)
        for i in x.indices {
            for o in 0..<oc { y[o] += x[i] * w[w.startIndex + i * oc + o] }
        }
        return y
    }

    func gelu(_ x: Double) -> Double {
        0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    }

    /// Logits (T, V) of one sequence.
    func logits(_ tokens: [Int]) -> [[Double]] {
        let c = config.dModel, nh = config.heads, hs = c / nh, t = tokens.count
        let wte = slice("wte.weight"), wpe = slice("wpe.weight")
        var x: [[Double]] = (0..<t).map { p in
            (0..<c).map {
                wte[wte.startIndex + tokens[p] * c + $0] + wpe[wpe.startIndex + p * c + $0]
            }
        }
        for l in 0..<config.layers {
            let pre = "h.\(l)."
            let qkv = x.map {
                linear(
                    layerNorm(
                        $0, slice(pre + "ln_1.weight"),
                        slice(pre + "ln_1.bias")),
                    slice(pre + "attn.c_attn.weight"),
                    slice(pre + "attn.c_attn.bias"))
            }
            var y = [[Double]](repeating: [Double](repeating: 0, count: c), count: t)
            for h in 0..<nh {
                for i in 0..<t {
                    var scores = [Double]()
                    for j in 0...i {
                        var s = 0.0
                        for d in 0..<hs { s += qkv[i][h * hs + d] * qkv[j][c + h * hs + d] }
                        scores.append(s / Double(hs).squareRoot())
                    }
                    let mx = scores.max()!
                    let e = scores.map { exp($0 - mx) }
                    let z = e.reduce(0, +)
                    for j in 0...i {
                        for d in 0..<hs {
                            y[i][h * hs + d] += e[j] / z * qkv[j][2 * c + h * hs + d]
                        }
                    }
                }
            }
            for i in 0..<t {
                let a = linear(
                    y[i], slice(pre + "attn.c_proj.weight"), slice(pre + "attn.c_proj.bias"))
                for d in 0..<c { x[i][d] += a[d] }
                let h = linear(
                    layerNorm(x[i], slice(pre + "ln_2.weight"), slice(pre + "ln_2.bias")),
                    slice(pre + "mlp.c_fc.weight"), slice(pre + "mlp.c_fc.bias"))
                let m = linear(
                    h.map(gelu), slice(pre + "mlp.c_proj.weight"),
                    slice(pre + "mlp.c_proj.bias"))
                for d in 0..<c { x[i][d] += m[d] }
            }
        }
        let v = config.vocabSize
        return x.map { row in
            let f = layerNorm(row, slice("ln_f.weight"), slice("ln_f.bias"))
            return (0..<v).map { k in
                (0..<c).reduce(0.0) { $0 + f[$1] * wte[wte.startIndex + k * c + $1] }
            }
        }
    }

    static func logSoftmax(_ z: [Double]) -> [Double] {
        let mx = z.max()!
        let lse = mx + log(z.reduce(0) { $0 + exp($1 - mx) })
        return z.map { $0 - lse }
    }

    /// Σ_b w_b Σ_t m_bt log π(y_bt | ·) on a TokenBatch.
    func weightedLogProb(_ batch: TokenBatch, weights: [Double]) -> Double {
        var total = 0.0
        for b in 0..<batch.batch {
            let row = Array(batch.inputs[(b * batch.steps)..<((b + 1) * batch.steps)])
            let z = logits(row)
            for t in 0..<batch.steps where batch.mask[b * batch.steps + t] > 0 {
                total += weights[b] * Self.logSoftmax(z[t])[batch.targets[b * batch.steps + t]]
            }
        }
        return total
    }
}

enum Tiny {
    static let config = GPTConfig(layers: 2, dModel: 8, heads: 2, context: 6, vocabSize: 11)

    /// A tiny model with non-trivial LayerNorm and bias values (so their gradients matter).
    static func model(seed: UInt64 = 7) -> GPT {
        let m = try! GPT(config: config, seed: seed)
        var rng = SeededGenerator(seed: seed ^ 0xABCD)
        for e in m.layout.entries {
            let scale: Double = e.name.hasSuffix("weight") && e.shape.count == 2 ? 10 : 5
            for i in 0..<e.count {
                let bump = (rng.nextUnit() - 0.5) * 0.02 * scale
                m.parameters[e.offset + i] += Float(bump)
            }
        }
        return m
    }
}
