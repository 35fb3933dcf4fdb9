/// The four ways task-vector methods thin a task vector δ before combining.
extension Elementwise {
    /// TIES trim: keeps the `k = ⌊density·n⌋` entries of largest `|δ|` (ties at the threshold
    /// by lower index, see `MagnitudeThreshold`), zeroes the rest. `density ≥ 1` keeps all.
    /// - Complexity: O(n) time (radix select), one output tensor.
    /// - SeeAlso: Yadav et al. 2023, TIES-Merging, §3 step 1 (Trim).
    public static func keepTopMagnitude(_ delta: UnsafeBufferPointer<Double>, density: Double)
        -> [Double]
    {
        if density >= 1 { return Array(delta) }
        let k = min(delta.count, max(0, Int((density * Double(delta.count)).rounded(.down))))
        var out = [Double](repeating: 0, count: delta.count)
        MagnitudeThreshold(topK: k, of: delta).forEachKept(in: delta) { out[$0] = delta[$0] }
        return out
    }

    /// Model Breadcrumbs: drops the `⌊gamma·n⌋` largest and then the smallest entries so that
    /// `⌊density·n⌋` remain: with `top = ⌊γn⌋`, `keep = ⌊ρn⌋`, `bottom = n − keep − top`; if
    /// `bottom < 0` then `top += bottom` and `bottom = 0`. Kept: ranks `top ..< top + keep` in
    /// the magnitude order (largest first, ties by lower index). `density ≥ 1` keeps all.
    /// - Complexity: O(n) time (two radix selects), one output tensor.
    /// - SeeAlso: Davari & Belilovsky 2023, Model Breadcrumbs, §3 (β = gamma).
    public static func keepMiddleMagnitude(
        _ delta: UnsafeBufferPointer<Double>, density: Double, gamma: Double
    ) -> [Double] {
        if density >= 1 { return Array(delta) }
        let n = delta.count
        let keep = min(n, max(0, Int((density * Double(n)).rounded(.down))))
        var top = min(n, max(0, Int((gamma * Double(n)).rounded(.down))))
        let bottom = n - keep - top
        if bottom < 0 { top += bottom }
        let upper = MagnitudeThreshold(topK: top, of: delta).mask(of: delta)
        var out = [Double](repeating: 0, count: n)
        MagnitudeThreshold(topK: top + keep, of: delta).forEachKept(in: delta) { i in
            if !upper[i] { out[i] = delta[i] }
        }
        return out
    }

    /// DARE: keeps each entry with probability `density` (drop rate p = 1 − density) and, with
    /// `rescale`, divides the kept ones by `density`:
    ///
    ///     out_i = δ_i · [u_i < ρ] / ρ        u_i = CounterRandom(seed, tensor, model).uniform(i)
    ///
    /// Works on a chunk: `elementOffset` is the index of `delta[0]` in the whole tensor, so
    /// chunks give the same result as one call. `density ≥ 1` copies; `density ≤ 0` zeroes.
    /// - Complexity: O(n), no state.
    /// - SeeAlso: Yu et al. 2023, Language Models are Super Mario, Eq. (DARE).
    public static func dropRandom(
        _ delta: UnsafeBufferPointer<Double>, density: Double, rescale: Bool,
        random: CounterRandom, elementOffset: Int = 0, into out: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(out.count == delta.count)
        if density >= 1 {
            for i in 0..<delta.count { out[i] = delta[i] }
            return
        }
        if density <= 0 {
            for i in 0..<delta.count { out[i] = 0 }
            return
        }
        let scale = rescale ? 1 / density : 1
        for i in 0..<delta.count {
            out[i] = random.uniform(elementOffset + i) < density ? delta[i] * scale : 0
        }
    }

    /// DELLA MagPrune: within each row (last axis; a 1-D or scalar tensor is one row) entries are
    /// ranked by magnitude, r = 0 for the smallest (ties: the higher index ranks lower, i.e. the
    /// same order as `MagnitudeThreshold`), and kept with probability
    ///
    ///     p_i = ρ − ε + 2ε · r_i / (C − 1)        (p_i = ρ when C = 1)
    ///
    /// then, with `rescale`, divided by `p_i`. `density ≥ 1` copies; `density ≤ 0` zeroes.
    /// Works on whole rows: `elementOffset` (a multiple of the row length) is the index of
    /// `delta[0]` in the tensor. The caller checks 0 < ρ − ε and ρ + ε < 1
    /// (`TaskVectorStream`).
    /// - Complexity: O(n log C) (one sort per row), memory one row of indices.
    /// - SeeAlso: Deep et al. 2024, DELLA-Merging, §3 (MagPrune).
    public static func dropByRank(
        _ delta: UnsafeBufferPointer<Double>, rowLength: Int, density: Double, epsilon: Double,
        rescale: Bool, random: CounterRandom, elementOffset: Int = 0,
        into out: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(out.count == delta.count)
        if density >= 1 {
            for i in 0..<delta.count { out[i] = delta[i] }
            return
        }
        for i in 0..<delta.count { out[i] = 0 }
        if density <= 0 { return }
        let c = max(1, rowLength)
        precondition(delta.count % c == 0)
        var order = [Int](repeating: 0, count: c)
        for row in stride(from: 0, to: delta.count, by: c) {
            for j in 0..<c { order[j] = j }
            // ascending rank: smaller magnitude first; equal magnitudes: higher index first
            order.sort { a, b in
                let ma = delta[row + a].magnitude
                let mb = delta[row + b].magnitude
                return ma < mb || (ma == mb && a > b)
            }
            for (rank, j) in order.enumerated() {
                let p =
                    c == 1
                    ? density : density - epsilon + 2 * epsilon * Double(rank) / Double(c - 1)
                let i = row + j
                if random.uniform(elementOffset + i) < p {
                    out[i] = rescale ? delta[i] / p : delta[i]
                }
            }
        }
    }
}
