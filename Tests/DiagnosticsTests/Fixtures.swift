import Foundation
import Merging
import SafeTensors

@testable import Diagnostics

/// A small deterministic random source (SplitMix64) so fixtures are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Roughly normal: sum of uniforms.
    mutating func gaussian() -> Float {
        var s: Float = 0
        for _ in 0..<4 { s += Float.random(in: -1...1, using: &self) }
        return s * 0.866
    }
}

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
        var rng = SplitMix(seed)
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

/// Writes a store to a temporary safetensors file and returns its path.
func writeTemporary(_ store: InMemoryStore, in dir: String, name: String) throws -> String {
    let path = dir + "/" + name
    let writer = try SafeTensorsWriter(path: path, tensors: store.tensors)
    while let t = writer.currentTensor { try writer.copy(t.name, from: store) }
    try writer.finish()
    return path
}

func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("diag-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
