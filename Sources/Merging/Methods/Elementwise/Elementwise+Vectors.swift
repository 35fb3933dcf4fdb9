/// Small Double vector helpers for the spherical methods (naive loops, strict order).
extension Elementwise {
    @inline(__always)
    static func dot(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }

    @inline(__always)
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }

    /// Copies the flattened vectors of `values` along one axis: `lastAxis` gives the rows of
    /// length `shape.last` (contiguous); otherwise the vectors run along the first axis, one per
    /// position of the remaining axes (stride `n / shape[0]`). A 0-D or 1-D tensor is one vector.
    static func vectors(of values: [Double], shape: [Int], lastAxis: Bool) -> [[Double]] {
        let n = values.count
        if shape.count < 2 { return [values] }
        if lastAxis {
            let c = shape.last!
            return stride(from: 0, to: n, by: c).map { Array(values[$0..<($0 + c)]) }
        }
        let d0 = shape[0]
        let rest = n / d0
        return (0..<rest).map { j in (0..<d0).map { values[j + $0 * rest] } }
    }

    /// Inverse of `vectors(of:shape:lastAxis:)`.
    static func unvectors(_ vs: [[Double]], shape: [Int], lastAxis: Bool, count n: Int) -> [Double]
    {
        if shape.count < 2 { return vs[0] }
        if lastAxis { return vs.flatMap { $0 } }
        let d0 = shape[0]
        let rest = n / d0
        var out = [Double](repeating: 0, count: n)
        for j in 0..<rest { for i in 0..<d0 { out[j + i * rest] = vs[j][i] } }
        return out
    }
}
