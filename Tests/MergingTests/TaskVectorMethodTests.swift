import Testing

@testable import Merging

/// task_arithmetic, TIES, DARE, breadcrumbs and DELLA against the references in
/// `ElementwiseReference.swift`, on small tensors with magnitude ties, zero task vectors and
/// sign ties.
@Suite struct TaskVectorMethodTests {
    /// Base, three models (the third's task vector is all zero) and parameters.
    struct Family {
        var base: [Double]
        var models: [[Double]]
        var params: [ModelParameters]

        init(seed: UInt64, n: Int = 24) {
            var rng = TestRandom(state: seed)
            base = rng.vector(n)
            models = [
                zip(base, rng.vector(n, coarse: true)).map { $0 + $1 },
                zip(base, rng.vector(n, coarse: true)).map { $0 + $1 },
                base,
            ]
            params = [
                ModelParameters(weight: 0.7, density: 0.5, gamma: 0.1, epsilon: 0.2),
                ModelParameters(weight: 0.4, density: 0.3, gamma: 0.05, epsilon: 0.1),
                ModelParameters(weight: 0.2, density: 0.6, gamma: 0.2, epsilon: 0.15),
            ]
        }

        var deltas: [[Double]] { models.map { zip($0, base).map { $0 - $1 } } }
        var weights: [Double] { params.map(\.weight) }
        var buffers: InputBuffers { InputBuffers(base: base, models: models) }
    }

    static let seeds: [UInt64] = [11, 12, 13]

    @Test(arguments: seeds)
    func taskArithmetic(seed: UInt64) throws {
        let f = Family(seed: seed)
        let b = f.buffers
        for normalize in [false, true] {
            let got = try Elementwise.taskArithmetic(
                b.input(parameters: f.params), options: .init(lambda: 0.8, normalize: normalize))
            let want = MethodReference.combine(
                base: f.base, deltas: f.deltas, weights: f.weights, consensus: false,
                normalize: normalize, lambda: 0.8)
            #expect(maxAbsDiff(got, want) < 1e-14)
        }
    }

    @Test(arguments: seeds)
    func ties(seed: UInt64) throws {
        let f = Family(seed: seed)
        let got = try Elementwise.ties(
            f.buffers.input(parameters: f.params), options: .init(lambda: 1))
        let trimmed = zip(f.deltas, f.params).map { MethodReference.topK($0, density: $1.density) }
        let want = MethodReference.combine(
            base: f.base, deltas: trimmed, weights: f.weights, consensus: true, normalize: true,
            lambda: 1)
        #expect(maxAbsDiff(got, want) < 1e-14)
    }

    @Test func tiesSignTieElectsPositive() throws {
        // δ₁ = +1, δ₂ = −1 with equal weights: the summed sign is 0, elected +, only δ₁ counts.
        let b = InputBuffers(base: [0, 0], models: [[1, 2], [-1, -3]])
        let p = [ModelParameters(weight: 1, density: 1), ModelParameters(weight: 1, density: 1)]
        let got = try Elementwise.ties(b.input(shape: [2], parameters: p))
        #expect(got == [1, -3])
    }

    @Test func allZeroTaskVectorsGiveTheBase() throws {
        let base: [Double] = [0.5, -1, 2]
        let b = InputBuffers(base: base, models: [base, base])
        let p = [
            ModelParameters(weight: 1, density: 0.5), ModelParameters(weight: 1, density: 0.5),
        ]
        for method in [
            Elementwise.ties, Elementwise.dareTies, Elementwise.dareLinear, Elementwise.breadcrumbs,
            Elementwise.breadcrumbsTies, Elementwise.taskArithmetic,
        ] {
            #expect(try method(b.input(shape: [3], parameters: p), .init(seed: 3)) == base)
        }
    }

    @Test(arguments: seeds)
    func dare(seed: UInt64) throws {
        let f = Family(seed: seed, n: 200)
        let b = f.buffers
        let name = "model.layers.3.self_attn.q_proj.weight"
        for (consensus, method) in [(false, Elementwise.dareLinear), (true, Elementwise.dareTies)] {
            for rescale in [true, false] {
                let got = try method(
                    b.input(name: name, parameters: f.params),
                    .init(lambda: 1.5, rescale: rescale, seed: 42))
                let dropped = f.deltas.enumerated().map { m, d in
                    MethodReference.dare(
                        d, density: f.params[m].density, rescale: rescale, seed: 42, name: name,
                        model: m)
                }
                let want = MethodReference.combine(
                    base: f.base, deltas: dropped, weights: f.weights, consensus: consensus,
                    normalize: false, lambda: 1.5)
                #expect(maxAbsDiff(got, want) < 1e-13)
            }
        }
    }

    @Test func dareIsReproducibleAndSeedDependent() throws {
        let f = Family(seed: 5, n: 300)
        let b = f.buffers
        let one = try Elementwise.dareTies(b.input(parameters: f.params), options: .init(seed: 7))
        let again = try Elementwise.dareTies(b.input(parameters: f.params), options: .init(seed: 7))
        let other = try Elementwise.dareTies(b.input(parameters: f.params), options: .init(seed: 8))
        #expect(one == again)
        #expect(one != other)
    }

    @Test func dareChunkSplitGivesTheSameDrops() {
        var rng = TestRandom(state: 9)
        let delta = rng.vector(1000)
        let random = CounterRandom(seed: 1, tensor: "h.0.attn.c_attn.weight", model: 2)
        var whole = [Double](repeating: 0, count: delta.count)
        var chunked = [Double](repeating: 0, count: delta.count)
        delta.withUnsafeBufferPointer { src in
            whole.withUnsafeMutableBufferPointer { dst in
                Elementwise.dropRandom(src, density: 0.3, rescale: true, random: random, into: dst)
            }
            chunked.withUnsafeMutableBufferPointer { dst in
                var start = 0
                for size in [1, 7, 256, 300, 436] {
                    Elementwise.dropRandom(
                        UnsafeBufferPointer(rebasing: src[start..<(start + size)]), density: 0.3,
                        rescale: true, random: random, elementOffset: start,
                        into: UnsafeMutableBufferPointer(rebasing: dst[start..<(start + size)]))
                    start += size
                }
            }
        }
        #expect(whole == chunked)
    }

    @Test func dareKeepsAboutDensity() {
        let r = CounterRandom(seed: 123, tensor: "t", model: 0)
        let n = 200_000
        let kept = (0..<n).filter { r.uniform($0) < 0.25 }.count
        #expect(abs(Double(kept) / Double(n) - 0.25) < 0.005)
    }

    @Test(arguments: seeds)
    func breadcrumbs(seed: UInt64) throws {
        let f = Family(seed: seed, n: 40)
        let b = f.buffers
        for (consensus, method) in [
            (false, Elementwise.breadcrumbs), (true, Elementwise.breadcrumbsTies),
        ] {
            let got = try method(b.input(parameters: f.params), .init(lambda: 0.9))
            let masked = zip(f.deltas, f.params).map {
                MethodReference.middle($0, density: $1.density, gamma: $1.gamma)
            }
            let want = MethodReference.combine(
                base: f.base, deltas: masked, weights: f.weights, consensus: consensus,
                normalize: false, lambda: 0.9)
            #expect(maxAbsDiff(got, want) < 1e-14)
        }
    }

    @Test func breadcrumbsLargeGammaStillKeepsDensity() {
        // n = 10, density 0.6, gamma 0.5: top becomes 10 − 6 = 4, bottom 0.
        let x: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let got = x.withUnsafeBufferPointer {
            Elementwise.keepMiddleMagnitude($0, density: 0.6, gamma: 0.5)
        }
        #expect(got == [1, 2, 3, 4, 5, 6, 0, 0, 0, 0])
    }

    @Test(arguments: seeds)
    func della(seed: UInt64) throws {
        let f = Family(seed: seed, n: 24)
        let b = f.buffers
        let name = "model.layers.1.mlp.down_proj.weight"
        for (consensus, normalize, method) in [
            (true, true, Elementwise.della), (false, false, Elementwise.dellaLinear),
        ] {
            let got = try method(
                b.input(name: name, shape: [4, 6], parameters: f.params),
                .init(lambda: 1.1, seed: 99))
            let dropped = f.deltas.enumerated().map { m, d in
                MethodReference.della(
                    d, row: 6, density: f.params[m].density, epsilon: f.params[m].epsilon,
                    rescale: true, seed: 99, name: name, model: m)
            }
            let want = MethodReference.combine(
                base: f.base, deltas: dropped, weights: f.weights, consensus: consensus,
                normalize: normalize, lambda: 1.1)
            #expect(maxAbsDiff(got, want) < 1e-13)
        }
    }

    @Test func dellaRejectsEpsilonOutsideTheUnitInterval() {
        let b = InputBuffers(base: [0, 0], models: [[1, 2]])
        let p = [ModelParameters(weight: 1, density: 0.5, epsilon: 0.5)]
        #expect(
            throws: MergeError.invalidCoefficients(
                reason: "della on 'w': density 0.5 ± epsilon 0.5 must lie in (0, 1)")
        ) {
            try Elementwise.della(b.input(name: "w", shape: [2], parameters: p))
        }
    }

    @Test func taskVectorMethodsNeedABase() {
        let b = InputBuffers(base: nil, models: [[1, 2]])
        #expect(throws: MergeError.initRequired(method: "ties")) {
            try Elementwise.ties(b.input(parameters: [ModelParameters()]))
        }
    }
}
