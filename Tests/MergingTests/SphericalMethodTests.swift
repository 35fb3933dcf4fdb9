import Foundation
import Testing

@testable import Merging

/// linear, model_stock, slerp, nuslerp, multislerp and karcher against float64 references.
@Suite struct SphericalMethodTests {
    static func models(_ seed: UInt64, count: Int, n: Int) -> [[Double]] {
        var rng = TestRandom(state: seed)
        return (0..<count).map { _ in rng.vector(n) }
    }

    @Test func linearWeightedAverage() throws {
        let ms = Self.models(1, count: 3, n: 10)
        let w = [0.5, 0.3, 1.2]
        let b = InputBuffers(base: nil, models: ms)
        let p = w.map { ModelParameters(weight: $0) }
        for normalize in [true, false] {
            let got = try Elementwise.linear(b.input(parameters: p), normalize: normalize)
            let total = normalize ? w.reduce(0, +) : 1
            let want = (0..<10).map { i in (0..<3).reduce(0.0) { $0 + w[$1] * ms[$1][i] } / total }
            #expect(maxAbsDiff(got, want) < 1e-14)
        }
    }

    @Test func linearRefusesWeightsSummingToZero() {
        let b = InputBuffers(base: nil, models: [[1], [2]])
        let p = [ModelParameters(weight: 1), ModelParameters(weight: -1)]
        #expect(
            throws: MergeError.invalidCoefficients(
                reason: "linear on 'w': weights sum to 0 and cannot be normalised")
        ) { try Elementwise.linear(b.input(name: "w", parameters: p)) }
    }

    static func modelStockReference(base: [Double], models: [[Double]]) -> [Double] {
        let d = models.map { zip($0, base).map { $0 - $1 } }
        var cosines: [Double] = []
        for a in 0..<d.count {
            for c in (a + 1)..<d.count {
                let denom = max(MethodReference.norm(d[a]) * MethodReference.norm(d[c]), 1e-6)
                cosines.append(max(-1, min(1, MethodReference.dot(d[a], d[c]) / denom)))
            }
        }
        let cos = cosines.reduce(0, +) / Double(cosines.count)
        let k = Double(models.count)
        let t = k * cos / (1 + (k - 1) * cos)
        return base.indices.map { i in
            t * models.reduce(0.0) { $0 + $1[i] } / k + (1 - t) * base[i]
        }
    }

    @Test(arguments: [2, 3, 4])
    func modelStock(count: Int) throws {
        var rng = TestRandom(state: 77)
        let base = rng.vector(12)
        // task vectors that share a direction, so cos > 0
        let shared = rng.vector(12)
        let ms = (0..<count).map { _ in
            base.indices.map { base[$0] + shared[$0] + 0.7 * rng.uniform() }
        }
        let b = InputBuffers(base: base, models: ms)
        let p = [ModelParameters](repeating: .init(), count: count)
        let got = try Elementwise.modelStock(b.input(shape: [3, 4], parameters: p))
        #expect(maxAbsDiff(got, Self.modelStockReference(base: base, models: ms)) < 1e-14)
        // filter-wise: the same formula row by row
        let rows = try Elementwise.modelStock(
            b.input(shape: [3, 4], parameters: p), filterWise: true)
        for r in 0..<3 {
            let slice = { (v: [Double]) in Array(v[(r * 4)..<(r * 4 + 4)]) }
            let want = Self.modelStockReference(base: slice(base), models: ms.map(slice))
            #expect(maxAbsDiff(slice(rows), want) < 1e-14)
        }
    }

    @Test func modelStockOfZeroTaskVectorsIsTheBase() throws {
        let base: [Double] = [1, 2, 3]
        let b = InputBuffers(base: base, models: [base, base])
        #expect(try Elementwise.modelStock(b.input(parameters: [.init(), .init()])) == base)
    }

    @Test(arguments: [0.0, 0.25, 0.5, 1.0])
    func fullWeightSlerp(t: Double) throws {
        let ms = Self.models(3, count: 2, n: 16)
        let b = InputBuffers(base: ms[0], models: [ms[1]])
        let got = try Elementwise.slerp(b.input(parameters: [.init()]), t: t)
        #expect(maxAbsDiff(got, MethodReference.slerp(ms[0], ms[1], t: t)) < 1e-13)
    }

    @Test func slerpOfNearlyParallelWeightsIsLinear() throws {
        let a: [Double] = [1, 2, 3]
        let c: [Double] = [1.0001, 2, 3]
        let b = InputBuffers(base: a, models: [c])
        let got = try Elementwise.slerp(b.input(parameters: [.init()]), t: 0.3)
        #expect(maxAbsDiff(got, zip(a, c).map { 0.7 * $0 + 0.3 * $1 }) < 1e-15)
    }

    @Test func nuslerpWithBaseSlerpsTaskVectors() throws {
        var rng = TestRandom(state: 4)
        let base = rng.vector(12)
        let ms = [rng.vector(12), rng.vector(12)]
        let b = InputBuffers(base: base, models: ms)
        let p = [ModelParameters(weight: 1), ModelParameters(weight: 3)]
        let d = ms.map { zip($0, base).map { $0 - $1 } }
        let flat = try Elementwise.nuslerp(b.input(shape: [3, 4], parameters: p))
        let want = zip(base, MethodReference.slerp(d[0], d[1], t: 0.75)).map { $0 + $1 }
        #expect(maxAbsDiff(flat, want) < 1e-13)
        // rows: each row of the (3, 4) matrix on its own
        let rows = try Elementwise.nuslerp(b.input(shape: [3, 4], parameters: p), flatten: false)
        for r in 0..<3 {
            let s = { (v: [Double]) in Array(v[(r * 4)..<(r * 4 + 4)]) }
            let w = zip(s(base), MethodReference.slerp(s(d[0]), s(d[1]), t: 0.75)).map { $0 + $1 }
            #expect(maxAbsDiff(s(rows), w) < 1e-13)
        }
        // row-wise flag: vectors along the first axis (the columns)
        let cols = try Elementwise.nuslerp(
            b.input(shape: [3, 4], parameters: p), flatten: false, rowWise: true)
        for c in 0..<4 {
            let s = { (v: [Double]) in (0..<3).map { v[$0 * 4 + c] } }
            let w = zip(s(base), MethodReference.slerp(s(d[0]), s(d[1]), t: 0.75)).map { $0 + $1 }
            #expect(maxAbsDiff(s(cols), w) < 1e-13)
        }
    }

    /// multislerp for M vectors, written from its definition.
    static func multislerpReference(_ v: [[Double]], _ weights: [Double]) -> [Double] {
        let w = weights.map { $0 / weights.reduce(0, +) }
        let n = v[0].count
        let units = v.map { x in
            let norm = MethodReference.norm(x)
            return x.map { $0 / (norm + 1e-8) }
        }
        var mu = (0..<n).map { i in units.indices.reduce(0.0) { $0 + w[$1] * units[$1][i] } }
        let muNorm = MethodReference.norm(mu)
        mu = mu.map { $0 / muNorm }
        let tangent = (0..<n).map { i in
            units.indices.reduce(0.0) { s, m in
                s + w[m] * (units[m][i] - MethodReference.dot(units[m], mu) * mu[i])
            }
        }
        let s = MethodReference.norm(tangent) + 1e-8
        let scale = v.indices.reduce(0.0) { $0 + w[$1] * MethodReference.norm(v[$1]) }
        return (0..<n).map { (mu[$0] * cos(s) + tangent[$0] * sin(s) / s) * scale }
    }

    @Test func multislerpMatchesItsDefinition() throws {
        let ms = Self.models(8, count: 3, n: 9)
        var rng = TestRandom(state: 81)
        let base = rng.vector(9)
        let w = [0.2, 0.5, 0.3]
        let p = w.map { ModelParameters(weight: $0) }
        let plain = try Elementwise.multislerp(
            InputBuffers(base: nil, models: ms).input(parameters: p))
        #expect(maxAbsDiff(plain, Self.multislerpReference(ms, w)) < 1e-13)
        let withBase = try Elementwise.multislerp(
            InputBuffers(base: base, models: ms).input(parameters: p))
        let d = ms.map { zip($0, base).map { $0 - $1 } }
        let want = zip(base, Self.multislerpReference(d, w)).map { $0 + $1 }
        #expect(maxAbsDiff(withBase, want) < 1e-13)
    }

    @Test func multislerpRefusesCancellingDirections() {
        let b = InputBuffers(base: nil, models: [[1, 0], [-1, 0], [2, 0], [-2, 0]])
        let p = [ModelParameters](repeating: .init(weight: 1), count: 4)
        #expect(
            throws: MergeError.invalidCoefficients(
                reason: "multislerp on 'w': the weighted directions sum to zero "
                    + "(antipodal models with balancing weights)")
        ) { try Elementwise.multislerp(b.input(name: "w", parameters: p)) }
    }

    @Test func karcherOfTwoEqualNormsIsTheGeodesicMidpoint() throws {
        let a: [Double] = [3, 0, 0]
        let c: [Double] = [0, 3, 0]
        let got = try Elementwise.karcher(
            InputBuffers(base: nil, models: [a, c]).input(parameters: [.init(), .init()]))
        let h = 3 / 2.0.squareRoot()
        #expect(maxAbsDiff(got, [h, h, 0]) < 1e-12)
    }

    @Test func karcherMeanIsStationary() throws {
        let ms = Self.models(21, count: 3, n: 6)
        let got = try Elementwise.karcher(
            InputBuffers(base: nil, models: ms).input(parameters: [.init(), .init(), .init()]),
            maxIter: 200, tol: 1e-14)
        // The mean direction μ zeroes Σ log_μ(u_m) (the Karcher condition), and |out| is the
        // mean norm.
        let mu = got.map { $0 / MethodReference.norm(got) }
        var g = [Double](repeating: 0, count: 6)
        for m in ms {
            let u = m.map { $0 / MethodReference.norm(m) }
            let c = MethodReference.dot(mu, u)
            let omega = acos(c)
            for i in 0..<6 { g[i] += omega / sin(omega) * (u[i] - c * mu[i]) }
        }
        #expect(MethodReference.norm(g) < 1e-10)
        let meanNorm = ms.reduce(0.0) { $0 + MethodReference.norm($1) } / 3
        #expect(abs(MethodReference.norm(got) - meanNorm) < 1e-12)
    }
}
