import Foundation
import SafeTensors
import TestSupport

@testable import Merging

/// A small model family: tensor specs and Double values per store.
struct Family {
    var specs: [(name: String, shape: [Int])]
    var initValues: [String: [Double]]
    var models: [[String: [Double]]]

    /// Base values ~ N(0, 1)-ish, fine-tunes = base + scale·noise.
    init(specs: [(String, [Int])], models count: Int, scale: Double = 0.01, seed: UInt64 = 1) {
        self.specs = specs.map { (name: $0.0, shape: $0.1) }
        var rng = SplitMix64(seed: seed)
        var base: [String: [Double]] = [:]
        for (name, shape) in specs {
            base[name] = (0..<shape.reduce(1, *)).map { _ in rng.normalish() }
        }
        initValues = base
        models = (0..<count).map { _ in
            base.mapValues { $0.map { $0 + scale * rng.normalish() } }
        }
    }

    static let llamaLike: [(String, [Int])] = [
        ("model.embed_tokens.weight", [16, 8]),
        ("model.layers.0.self_attn.q_proj.weight", [8, 8]),
        ("model.layers.0.mlp.up_proj.weight", [12, 8]),
        ("model.layers.0.input_layernorm.weight", [8]),
        ("model.layers.1.self_attn.q_proj.weight", [8, 8]),
        ("model.layers.1.mlp.up_proj.weight", [12, 8]),
        ("model.layers.1.input_layernorm.weight", [8]),
        ("model.norm.weight", [8]),
        ("lm_head.weight", [16, 8]),
    ]

    /// Values rounded to `dtype` first, so the store holds exactly what the reference uses.
    mutating func roundValues(to dtype: DType) {
        func r(_ v: [Double]) -> [Double] { Family.decode(Family.encode(v, dtype), dtype) }
        initValues = initValues.mapValues(r)
        models = models.map { $0.mapValues(r) }
    }

    func store(_ values: [String: [Double]], dtype: DType, label: String) -> InMemoryStore {
        let s = InMemoryStore(label: label)
        for (name, shape) in specs {
            s.set(
                TensorInfo(name: name, dtype: dtype, shape: shape),
                bytes: Family.encode(values[name]!, dtype))
        }
        return s
    }

    func initStore(_ dtype: DType = .f32) -> InMemoryStore {
        store(initValues, dtype: dtype, label: "init")
    }
    func modelStores(_ dtype: DType = .f32) -> [InMemoryStore] {
        models.enumerated().map { store($1, dtype: dtype, label: "model\($0 + 1)") }
    }

    static func encode(_ v: [Double], _ dtype: DType) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: dtype.byteCount(elements: v.count)!)
        out.withUnsafeMutableBytes { raw in
            v.withUnsafeBufferPointer { FloatConversion.encode($0, dtype: dtype, into: raw) }
        }
        return out
    }

    static func decode(_ bytes: [UInt8], _ dtype: DType) -> [Double] {
        var out = [Double](repeating: 0, count: bytes.count / dtype.byteSize!)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer {
                try! FloatConversion.decode(raw, dtype: dtype, into: $0)
            }
        }
        return out
    }
}

/// Naive Double references: plain loops, materialised vectors, no Gram tricks.
enum Reference {
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    static func sub(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 - $1 } }

    /// Shoemake's SLERP of two vectors, LERP when sin Ω < tol.
    static func slerp(_ a: [Double], _ b: [Double], _ lambda: Double, tol: Double = 1e-6)
        -> [Double]
    {
        let na = norm(a), nb = norm(b)
        if na == 0 || nb == 0 { return zip(a, b).map { (1 - lambda) * $0 + lambda * $1 } }
        let cosine = min(1, max(-1, dot(a, b) / (na * nb)))
        let omega = acos(cosine)
        if sin(omega) < tol { return zip(a, b).map { (1 - lambda) * $0 + lambda * $1 } }
        let p = sin((1 - lambda) * omega) / sin(omega), q = sin(lambda * omega) / sin(omega)
        return zip(a, b).map { p * $0 + q * $1 }
    }

    /// slerpm by its recursive definition (eq. 26) on materialised task vectors.
    static func slerpm(_ deltas: [[Double]], lambdas: [Double]) -> [Double] {
        var r = deltas[0]
        for k in 1..<deltas.count { r = slerp(r, deltas[k], lambdas[k - 1]) }
        return r
    }

    /// Merges `family` per group of tensor names: returns name → merged Double values.
    static func slerpFamily(
        _ family: Family, groups: [[String]], lambdas: [Double]
    ) -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for group in groups {
            let initCat = group.flatMap { family.initValues[$0]! }
            let deltas = family.models.map { m in sub(group.flatMap { m[$0]! }, initCat) }
            let merged = slerpm(deltas, lambdas: lambdas)
            var offset = 0
            for name in group {
                let n = family.initValues[name]!.count
                out[name] = (0..<n).map { initCat[offset + $0] + merged[offset + $0] }
                offset += n
            }
        }
        return out
    }
}

/// Runs a merge into memory and returns the first output's values as Doubles.
func mergeValues(
    _ plan: MergePlan, initial: (any TensorStore)?, models: [any TensorStore]
) throws -> (values: [[String: [Double]]], report: MergeReport) {
    let (stores, report) = try MergeEngine.runInMemory(plan, init: initial, models: models)
    let values = try stores.map { store in
        var v: [String: [Double]] = [:]
        for t in store.tensors { v[t.name] = Family.decode(try store.bytes(of: t.name), t.dtype) }
        return v
    }
    return (values, report)
}

func maxRelativeError(_ a: [String: [Double]], _ b: [String: [Double]]) -> Double {
    var worst = 0.0
    if a.isEmpty || Set(a.keys) != Set(b.keys) { return .infinity }
    for (name, x) in a {
        let y = b[name]!
        if x.count != y.count { return .infinity }
        for i in x.indices { worst = max(worst, abs(x[i] - y[i]) / max(1, abs(y[i]))) }
    }
    return worst
}
