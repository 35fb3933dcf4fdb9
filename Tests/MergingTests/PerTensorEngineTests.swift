import Testing

@testable import Merging
@testable import SafeTensors

/// Per-tensor methods through the merge engine: each output tensor equals the `Elementwise`
/// function on the decoded inputs, rounded once to the output dtype, for any thread count.
@Suite struct PerTensorEngineTests {
    static let shapes: [(String, [Int])] = [
        ("model.embed_tokens.weight", [6, 5]),
        ("model.layers.0.self_attn.q_proj.weight", [5, 5]),
        ("model.layers.0.mlp.up_proj.weight", [7, 5]),
        ("model.layers.1.self_attn.q_proj.weight", [5, 5]),
        ("model.layers.1.mlp.up_proj.weight", [7, 5]),
        ("model.layers.2.mlp.up_proj.weight", [7, 5]),
        ("model.norm.weight", [5]),
    ]

    /// base and three models (f32), the models base + noise; ties of magnitude included
    /// (values on a 1/64 grid).
    static func stores() -> (base: InMemoryStore, models: [InMemoryStore]) {
        var state: UInt64 = 99
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 129 - 64) / 64
        }
        let base = InMemoryStore(label: "base")
        let models = (0..<3).map { InMemoryStore(label: "m\($0)") }
        for (name, shape) in shapes {
            let n = shape.reduce(1, *)
            let b = (0..<n).map { _ in next() }
            base.set(name, shape: shape, floats: b, dtype: .f32)
            for m in models {
                m.set(name, shape: shape, floats: b.map { $0 + next() / 4 }, dtype: .f32)
            }
        }
        return (base, models)
    }

    static let recipes: [Recipe] = [
        Recipe(
            method: .ties,
            models: (0..<3).map {
                .init(
                    model: "m\($0)",
                    parameters: [
                        "weight": .number([1, 0.5, 2][$0]),
                        "density": .gradient([0.2, 0.9]),
                    ])
            }, baseModel: "base"),
        Recipe(
            method: .dareTies,
            models: (0..<3).map {
                .init(
                    model: "m\($0)",
                    parameters: ["weight": .number(1), "density": .number([0.3, 0.5, 0.7][$0])])
            }, baseModel: "base", seed: 1234),
        Recipe(
            method: .modelStock, models: (0..<3).map { .init(model: "m\($0)") },
            baseModel: "base"),
    ]

    /// The independent path: the `Elementwise` function on the decoded tensors.
    static func expected(
        _ r: Recipe, tensor: TensorInfo, layers: Int, base: InMemoryStore,
        models: [InMemoryStore]
    ) throws -> [Double] {
        let b = try base.floats(of: tensor.name).map(Double.init)
        let ms = try models.map { try $0.floats(of: tensor.name).map(Double.init) }
        let position = r.position(of: tensor.name, layerCount: layers)
        return try b.withUnsafeBufferPointer { bp in
            try withBuffers(ms) { mps in
                let input = TensorMergeInput(
                    name: tensor.name, shape: tensor.shape, base: bp, models: mps,
                    parameters: try r.modelParameters(tensor: tensor.name, position: position))
                let options = try r.taskVectorOptions(tensor: tensor.name, position: position)
                switch r.method {
                case .ties: return try Elementwise.ties(input, options: options)
                case .dareTies: return try Elementwise.dareTies(input, options: options)
                default: return try Elementwise.modelStock(input)
                }
            }
        }
    }

    static func withBuffers<R>(
        _ arrays: [[Double]], _ body: ([UnsafeBufferPointer<Double>]) throws -> R
    ) rethrows -> R {
        var pointers: [UnsafeMutableBufferPointer<Double>] = []
        defer { for p in pointers { p.deallocate() } }
        for a in arrays {
            let p = UnsafeMutableBufferPointer<Double>.allocate(capacity: a.count)
            _ = p.initialize(from: a)
            pointers.append(p)
        }
        return try body(pointers.map { UnsafeBufferPointer($0) })
    }

    @Test(arguments: recipes.indices, [DType.bf16, .f32])
    func engineEqualsElementwiseRoundedOnce(index: Int, dtype: DType) throws {
        let r = Self.recipes[index]
        let (base, models) = Self.stores()
        var outputs: [[String: [UInt8]]] = []
        for threads in [1, 2] {
            let plan = MergePlan(
                method: r.method.methodID, granularity: .tensor, outputDType: dtype,
                threads: threads, recipe: r.resolved())
            let (out, report) = try MergeEngine.runInMemory(plan, init: base, models: models)
            #expect(report.groups.count == Self.shapes.count)
            var bytes: [String: [UInt8]] = [:]
            for t in out[0].tensors { bytes[t.name] = try out[0].bytes(of: t.name) }
            outputs.append(bytes)
        }
        #expect(outputs[0] == outputs[1])
        for t in base.tensors {
            let want = try Self.expected(r, tensor: t, layers: 3, base: base, models: models)
            var encoded = [UInt8](repeating: 0, count: dtype.byteCount(elements: want.count)!)
            want.withUnsafeBufferPointer { w in
                encoded.withUnsafeMutableBytes { FloatConversion.encode(w, dtype: dtype, into: $0) }
            }
            #expect(outputs[0][t.name] == encoded, "\(r.method.rawValue) \(t.name)")
        }
    }

    @Test func perTensorMethodWithoutRecipeIsRefused() throws {
        let (base, models) = Self.stores()
        let plan = MergePlan(method: .ties)
        #expect(
            throws: MergeError.invalidCoefficients(
                reason: "ties needs a recipe with merge_method ties")
        ) { try MergeEngine.prepare(plan, init: base, models: models) }
    }
}
