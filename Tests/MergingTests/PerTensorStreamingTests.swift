import Foundation
import Testing

@testable import Merging
@testable import SafeTensors

/// Per-tensor methods on a tensor of several chunks (`ChunkLayout`): the engine's output is
/// the same bytes with 1 and 2 threads, equals the in-memory stream (`Elementwise`) rounded
/// once, and, where an independent float64 reference exists, that reference rounded once.
@Suite struct PerTensorStreamingTests {
    /// 25 rows of 4100: 102,500 elements, four chunks of 32,768 (or of 7 whole rows).
    static let shape = [25, 4100]
    static let name = "model.layers.0.mlp.up_proj.weight"

    /// base and three models (f32) on a 1/64 grid, so magnitudes tie across chunks.
    static func values(models: Int) -> (base: [Double], models: [[Double]]) {
        var state: UInt64 = 7
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(Int64(bitPattern: state >> 11) % 129 - 64) / 64
        }
        let n = shape.reduce(1, *)
        let base = (0..<n).map { _ in next() }
        let ms = (0..<models).map { _ in base.map { $0 + next() / 4 } }
        return (base, ms)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var method: RecipeMethod
        var models: Int
        var base: Bool
        var parameters: [[String: RecipeSetting]]
        var global: [String: RecipeSetting] = [:]
        var testDescription: String { method.rawValue }
    }

    static let weights: [[String: RecipeSetting]] = [
        ["weight": .number(1), "density": .number(0.3)],
        ["weight": .number(0.5), "density": .number(0.6)],
        ["weight": .number(2), "density": .number(0.45)],
    ]

    static let cases: [Case] = [
        Case(method: .linear, models: 3, base: false, parameters: weights),
        Case(method: .taskArithmetic, models: 3, base: true, parameters: weights),
        Case(method: .ties, models: 3, base: true, parameters: weights),
        Case(method: .dareTies, models: 3, base: true, parameters: weights),
        Case(method: .dareLinear, models: 3, base: true, parameters: weights),
        Case(method: .breadcrumbs, models: 3, base: true, parameters: weights),
        Case(method: .breadcrumbsTies, models: 3, base: true, parameters: weights),
        Case(method: .della, models: 3, base: true, parameters: weights),
        Case(method: .dellaLinear, models: 3, base: true, parameters: weights),
        Case(method: .modelStock, models: 3, base: true, parameters: [[:], [:], [:]]),
        Case(
            method: .modelStock, models: 3, base: true, parameters: [[:], [:], [:]],
            global: ["filter_wise": .bool(true)]),
        Case(method: .slerp, models: 1, base: true, parameters: [[:]], global: ["t": .number(0.3)]),
        Case(method: .nuslerp, models: 2, base: true, parameters: Array(weights.prefix(2))),
        Case(
            method: .nuslerp, models: 2, base: false, parameters: Array(weights.prefix(2)),
            global: ["nuslerp_flatten": .bool(false), "nuslerp_row_wise": .bool(true)]),
        Case(method: .multislerp, models: 3, base: true, parameters: weights),
        Case(
            method: .karcher, models: 3, base: false, parameters: [[:], [:], [:]],
            global: ["max_iter": .number(3)]),
    ]

    static func recipe(_ c: Case) -> Recipe {
        let models = (0..<c.models).map {
            Recipe.Model(model: "m\($0)", parameters: c.parameters[$0])
        }
        return Recipe(
            method: c.method, models: models, baseModel: c.base ? "base" : nil,
            parameters: c.global, seed: c.method.usesSeed ? 99 : nil
        ).resolved()
    }

    /// For each bf16 element that differs, the distance in units in the last place.
    static func differing(_ a: [UInt8], _ b: [UInt8]) -> [Int] {
        precondition(a.count == b.count)
        return stride(from: 0, to: a.count, by: 2).compactMap { k in
            let x = Int(Int16(bitPattern: UInt16(a[k]) | UInt16(a[k + 1]) << 8))
            let y = Int(Int16(bitPattern: UInt16(b[k]) | UInt16(b[k + 1]) << 8))
            return x == y ? nil : abs(x - y)
        }
    }

    static func encoded(_ values: [Double], _ dtype: DType) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: dtype.byteCount(elements: values.count)!)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBytes { FloatConversion.encode(v, dtype: dtype, into: $0) }
        }
        return out
    }

    /// An independent float64 value of the merge, for the methods `MethodReference` covers.
    static func reference(_ c: Case, base: [Double], models: [[Double]]) -> [Double]? {
        let w = c.parameters.map { p -> Double in
            if case let .number(x) = p["weight"] { return x }
            return 1
        }
        let density = c.parameters.map { p -> Double in
            if case let .number(x) = p["density"] { return x }
            return 1
        }
        let deltas = models.map { zip($0, base).map { $0 - $1 } }
        func combine(_ d: [[Double]], consensus: Bool, normalize: Bool) -> [Double] {
            MethodReference.combine(
                base: base, deltas: d, weights: w, consensus: consensus, normalize: normalize,
                lambda: 1)
        }
        switch c.method {
        case .taskArithmetic: return combine(deltas, consensus: false, normalize: false)
        case .ties:
            let thinned = deltas.indices.map {
                MethodReference.topK(deltas[$0], density: density[$0])
            }
            return combine(thinned, consensus: true, normalize: true)
        case .breadcrumbs, .breadcrumbsTies:
            let thinned = deltas.indices.map {
                MethodReference.middle(deltas[$0], density: density[$0], gamma: 0.01)
            }
            return combine(thinned, consensus: c.method == .breadcrumbsTies, normalize: false)
        case .dareTies, .dareLinear:
            // DARE written out: keep where u < ρ, rescaled by 1/ρ as a factor (δ·(1/ρ), the
            // method's rounding; δ/ρ can differ by an ulp, and on this 1/64 grid an ulp decides
            // the elected sign where the weighted sum cancels exactly)
            let thinned = deltas.indices.map { m in
                let r = CounterRandom(seed: 99, tensor: name, model: m)
                return deltas[m].indices.map { i in
                    r.uniform(i) < density[m] ? deltas[m][i] * (1 / density[m]) : 0
                }
            }
            return combine(thinned, consensus: c.method == .dareTies, normalize: false)
        case .della, .dellaLinear:
            let thinned = deltas.indices.map {
                MethodReference.della(
                    deltas[$0], row: shape.last!, density: density[$0], epsilon: 0.15,
                    rescale: true, seed: 99, name: name, model: $0)
            }
            return combine(thinned, consensus: c.method == .della, normalize: c.method == .della)
        case .modelStock where c.global.isEmpty:
            return SphericalMethodTests.modelStockReference(base: base, models: models)
        case .multislerp:
            // SphericalMethodTests.multislerpReference, dots hoisted out of the element loop
            let wn = w.map { $0 / w.reduce(0, +) }
            let units = deltas.map { x in
                let norm = MethodReference.norm(x)
                return x.map { $0 / (norm + 1e-8) }
            }
            var mu = base.indices.map { i in
                units.indices.reduce(0.0) { $0 + wn[$1] * units[$1][i] }
            }
            let muNorm = MethodReference.norm(mu)
            mu = mu.map { $0 / muNorm }
            let dots = units.map { MethodReference.dot($0, mu) }
            let tangent = base.indices.map { i in
                units.indices.reduce(0.0) { $0 + wn[$1] * (units[$1][i] - dots[$1] * mu[i]) }
            }
            let s = MethodReference.norm(tangent) + 1e-8
            let scale = deltas.indices.reduce(0.0) {
                $0 + wn[$1] * MethodReference.norm(deltas[$1])
            }
            return base.indices.map {
                base[$0] + (mu[$0] * cos(s) + tangent[$0] * sin(s) / s) * scale
            }
        default: return nil
        }
    }

    @Test(arguments: cases)
    func severalChunksMergeToTheSameBytesWithOneAndTwoThreads(_ c: Case) throws {
        let (b, ms) = Self.values(models: c.models)
        #expect(ChunkLayout(count: b.count, rowLength: 1).chunks > 3)
        let baseStore = InMemoryStore(label: "base")
        baseStore.set(Self.name, shape: Self.shape, floats: b.map(Float.init), dtype: .f32)
        let stores = ms.indices.map { InMemoryStore(label: "m\($0)") }
        for (s, m) in zip(stores, ms) {
            s.set(Self.name, shape: Self.shape, floats: m.map(Float.init), dtype: .f32)
        }
        let r = Self.recipe(c)
        let dtype = DType.bf16
        var outputs: [[UInt8]] = []
        for threads in [1, 2] {
            let plan = MergePlan(
                method: r.method.methodID, granularity: .tensor, outputDType: dtype,
                threads: threads, recipe: r)
            let (out, _) = try MergeEngine.runInMemory(
                plan, init: c.base ? baseStore : nil, models: stores)
            outputs.append(try out[0].bytes(of: Self.name))
        }
        #expect(Self.differing(outputs[0], outputs[1]) == [])
        let position = r.position(of: Self.name, layerCount: 1)
        let inMemory = try PerTensorEngineTests.withBuffers([b] + ms) { all in
            try r.merge(
                tensor: Self.name, shape: Self.shape, position: position,
                base: c.base ? all[0] : nil, models: Array(all[1...]))
        }
        #expect(Self.differing(outputs[0], Self.encoded(inMemory, dtype)) == [])
        if let want = Self.reference(c, base: b, models: ms) {
            #expect(Self.differing(outputs[0], Self.encoded(want, dtype)) == [], "reference")
        }
    }
}
