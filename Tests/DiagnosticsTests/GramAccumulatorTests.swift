import Testing

@testable import Diagnostics

@Test(
    arguments: [1, 31, 32, 255, 1023, 1024, 1025, 5000],
    [(false, 2), (true, 2), (false, 3), (true, 3)])
func accumulatorMatchesNaiveDoubleLoop(_ n: Int, _ variant: (hasBase: Bool, models: Int)) {
    let (hasBase, m) = variant
    var rng = SplitMix(UInt64(n))
    let base = (0..<n).map { _ in rng.gaussian() }
    let xs = (0..<m).map { _ in (0..<n).map { k in base[k] + 0.01 * rng.gaussian() } }
    let acc = GramAccumulator(models: m, hasBase: hasBase)
    let ptrs = ([base] + xs).map { x in
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        p.initialize(from: x, count: n)
        return UnsafePointer(p)
    }
    defer { for p in ptrs { p.deallocate() } }
    // Two calls, to check accumulation across chunks.
    let half = n / 2
    acc.add(base: ptrs[0], inputs: Array(ptrs[1...]), count: half)
    acc.add(base: ptrs[0] + half, inputs: ptrs[1...].map { $0 + half }, count: n - half)
    var tn = [Double](repeating: 0, count: m)
    for i in 0..<m {
        for k in 0..<n { tn[i] += Double(xs[i][k] - base[k]) * Double(xs[i][k] - base[k]) }
    }
    for i in 0..<m {
        for j in 0..<m {
            var w = 0.0, t = 0.0, d = 0.0
            for k in 0..<n {
                w += Double(xs[i][k]) * Double(xs[j][k])
                d += (Double(xs[i][k]) - Double(xs[j][k])) * (Double(xs[i][k]) - Double(xs[j][k]))
                t += (Double(xs[i][k]) - Double(base[k])) * (Double(xs[j][k]) - Double(base[k]))
            }
            #expect(abs(acc.weight[i * m + j] - w) <= 1e-6 * max(1, abs(w)))
            #expect(abs(acc.distance[i * m + j] - d) <= 1e-6 * d)
            if hasBase {
                #expect(abs(acc.task[i * m + j] - t) <= 1e-6 * (tn[i] * tn[j]).squareRoot())
            } else {
                #expect(acc.task[i * m + j] == 0)
            }
        }
    }
}
