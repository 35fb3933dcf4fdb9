import Foundation

@testable import Merging

/// Independent float64 references for the elementwise methods: naive loops, a full sort for
/// top-k, the formulas as the papers and mergekit's documentation state them.
enum MethodReference {
    /// Indices in rank order: larger |x| first, equal magnitudes by lower index (full sort).
    static func rankOrder(_ x: [Double]) -> [Int] {
        x.indices.sorted { a, b in
            let (ma, mb) = (abs(x[a]), abs(x[b]))
            return ma != mb ? ma > mb : a < b
        }
    }

    static func topK(_ x: [Double], density: Double) -> [Double] {
        if density >= 1 { return x }
        let k = Int(floor(density * Double(x.count)))
        var out = [Double](repeating: 0, count: x.count)
        for i in rankOrder(x).prefix(k) { out[i] = x[i] }
        return out
    }

    static func middle(_ x: [Double], density: Double, gamma: Double) -> [Double] {
        if density >= 1 { return x }
        let n = x.count
        let keep = Int(floor(density * Double(n)))
        let top = min(Int(floor(gamma * Double(n))), n - keep)
        var out = [Double](repeating: 0, count: n)
        for i in rankOrder(x)[top..<(top + keep)] { out[i] = x[i] }
        return out
    }

    static func dare(
        _ x: [Double], density: Double, rescale: Bool, seed: UInt64, name: String, model: Int
    )
        -> [Double]
    {
        let r = CounterRandom(seed: seed, tensor: name, model: model)
        return x.indices.map { i in
            density >= 1 ? x[i] : (r.uniform(i) < density ? (rescale ? x[i] / density : x[i]) : 0)
        }
    }

    static func della(
        _ x: [Double], row: Int, density: Double, epsilon: Double, rescale: Bool, seed: UInt64,
        name: String, model: Int
    ) -> [Double] {
        let r = CounterRandom(seed: seed, tensor: name, model: model)
        var out = [Double](repeating: 0, count: x.count)
        for start in stride(from: 0, to: x.count, by: row) {
            let slice = Array(x[start..<(start + row)])
            // rank 0 = smallest: reverse of the descending rank order
            let ascending = Array(rankOrder(slice).reversed())
            for (rank, j) in ascending.enumerated() {
                let p =
                    row == 1
                    ? density : density - epsilon + 2 * epsilon * Double(rank) / Double(row - 1)
                let i = start + j
                if r.uniform(i) < p { out[i] = rescale ? x[i] / p : x[i] }
            }
        }
        return out
    }

    /// base + λ·(disjoint or plain) combination, element by element.
    static func combine(
        base: [Double], deltas: [[Double]], weights: [Double], consensus: Bool, normalize: Bool,
        lambda: Double
    ) -> [Double] {
        base.indices.map { i in
            var num = 0.0
            var den = 0.0
            if consensus {
                let total = deltas.indices.map { weights[$0] * deltas[$0][i] }.reduce(0, +)
                let sign: Double = total < 0 ? -1 : 1
                for m in deltas.indices {
                    let v = weights[m] * deltas[m][i]
                    if v * sign > 0 {
                        num += v
                        den += weights[m]
                    }
                }
                if den == 0 { den = 1 }
            } else {
                for m in deltas.indices { num += weights[m] * deltas[m][i] }
                den = weights.reduce(0, +)
                if abs(den) < 1e-8 { den = 1 }
            }
            return base[i] + lambda * (normalize ? num / den : num)
        }
    }

    static func norm(_ x: [Double]) -> Double { sqrt(x.reduce(0) { $0 + $1 * $1 }) }
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Plain slerp of two vectors by the angle between them.
    static func slerp(_ a: [Double], _ b: [Double], t: Double) -> [Double] {
        let c = max(-1, min(1, dot(a, b) / (norm(a) * norm(b))))
        let omega = acos(c)
        if abs(sin(omega)) < 1e-8 { return zip(a, b).map { (1 - t) * $0 + t * $1 } }
        return zip(a, b).map { (sin((1 - t) * omega) * $0 + sin(t * omega) * $1) / sin(omega) }
    }
}

/// Copies of test tensors as buffers for `TensorMergeInput`. The copies are never freed: Swift
/// may end a local's lifetime at its last use, before a method reading the buffers returns,
/// and a few kilobytes per test process are cheaper than that hazard.
final class InputBuffers {
    let base: UnsafeMutableBufferPointer<Double>?
    let models: [UnsafeMutableBufferPointer<Double>]

    init(base: [Double]?, models: [[Double]]) {
        func copy(_ a: [Double]) -> UnsafeMutableBufferPointer<Double> {
            let p = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, a.count))
            _ = p.initialize(from: a)
            return UnsafeMutableBufferPointer(rebasing: p[0..<a.count])
        }
        self.base = base.map(copy)
        self.models = models.map(copy)
    }

    func input(
        name: String = "model.layers.0.mlp.w", shape: [Int]? = nil, parameters: [ModelParameters]
    )
        -> TensorMergeInput
    {
        TensorMergeInput(
            name: name, shape: shape ?? [models.first?.count ?? base?.count ?? 0],
            base: base.map { UnsafeBufferPointer($0) },
            models: models.map { UnsafeBufferPointer($0) },
            parameters: parameters)
    }
}

/// A small seeded generator for test data (SplitMix64).
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return CounterRandom.mix(state)
    }
    /// Uniform in [-1, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-52 - 1 }
    /// Values from a small set, so magnitudes tie often.
    mutating func coarse() -> Double { Double(Int(next() % 7) - 3) * 0.25 }
    mutating func vector(_ n: Int, coarse: Bool = false) -> [Double] {
        (0..<n).map { _ in coarse ? self.coarse() : uniform() }
    }
}

func maxAbsDiff(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
