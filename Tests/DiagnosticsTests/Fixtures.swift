import Foundation
import Merging
import SafeTensors
import TestSupport

@testable import Diagnostics

/// The tensors of the fixture model: two blocks, an embedding, a final norm.
let fixtureTensors: [(String, [Int])] = [
    ("model.embed_tokens.weight", [8, 16]),
    ("model.layers.0.self_attn.q_proj.weight", [16, 16]),
    ("model.layers.0.mlp.up_proj.weight", [70]),
    ("model.layers.1.self_attn.q_proj.weight", [16, 16]),
    ("model.layers.1.mlp.up_proj.weight", [70]),
    ("model.norm.weight", [16]),
]

/// A family with known task-vector geometry, built per tensor so that every grouping sees
/// the same angle: `u` lives on even elements, `v` is `u` moved onto odd elements (so u ⟂ v
/// and ‖u‖ = ‖v‖), and model m's task vector is `scale_m · (cos α_m · u + sin α_m · v)`.
/// So Ω between models i and j is |α_i − α_j| and ‖δ_i‖/‖δ_j‖ = scale_i/scale_j.
struct KnownFamily {
    var base: InMemoryStore
    var models: [InMemoryStore]

    init(
        angles: [Double], scales: [Float], dtype: DType = .f32, seed: UInt64 = 1,
        extra: (InMemoryStore, Int) -> Void = { _, _ in }
    ) {
        var rng = SplitMix64(seed: seed)
        base = InMemoryStore(label: "base.safetensors")
        models = angles.indices.map { InMemoryStore(label: "m\($0 + 1).safetensors") }
        for (name, shape) in fixtureTensors {
            let n = shape.reduce(1, *)
            let initial = (0..<n).map { _ in rng.gaussian() }
            var u = [Float](repeating: 0, count: n), v = u
            for k in stride(from: 0, to: n - 1, by: 2) {
                u[k] = rng.gaussian()
                v[k + 1] = u[k]
            }
            base.set(name, shape: shape, floats: initial, dtype: dtype)
            for (m, alpha) in angles.enumerated() {
                let c = Float(cos(alpha * .pi / 180)), s = Float(sin(alpha * .pi / 180))
                let theta = (0..<n).map { initial[$0] + scales[m] * (c * u[$0] + s * v[$0]) }
                models[m].set(name, shape: shape, floats: theta, dtype: dtype)
            }
        }
        extra(base, -1)
        for (m, store) in models.enumerated() { extra(store, m) }
    }
}

/// Gram matrices of task vectors and weights of one group in `Double`, straight from the
/// stores' decoded values: the independent reference.
func referenceGram(
    models: [any TensorStore], base: (any TensorStore)?, tensors: [String]
) throws -> (task: [Double], weight: [Double]) {
    let m = models.count
    var task = [Double](repeating: 0, count: m * m), weight = task
    for name in tensors {
        let xs = try models.map { try $0.floats(of: name).map(Double.init) }
        let b = try base.map { try $0.floats(of: name).map(Double.init) }
        for i in 0..<m {
            for j in 0..<m {
                for k in xs[i].indices {
                    weight[i * m + j] += xs[i][k] * xs[j][k]
                    if let b { task[i * m + j] += (xs[i][k] - b[k]) * (xs[j][k] - b[k]) }
                }
            }
        }
    }
    return (task, weight)
}

/// `|a − b| ≤ tol · max(1, |b|)`.
func close(_ a: Double?, _ b: Double?, _ tol: Double) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return abs(a - b) <= tol * max(1, abs(b))
}
