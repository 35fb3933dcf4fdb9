extension GramAccumulator {
    /// Elements per `Float` block of the fused two-model kernel before flushing to `Double`:
    /// each of its `SIMD4<Float>` lanes adds at most 64 products (relative error below
    /// ~4e-6 of Σ|products| in the worst case, ~5e-7 typically).
    static let pairBlockElements = 256

    /// The fused kernel for M = 2, the common case (and the paper's): one pass over the
    /// three chunks with all seven sums in registers,
    ///
    ///     θ1·θ1, θ1·θ2, θ2·θ2,  δ1·δ1, δ1·δ2, δ2·δ2,  (θ1 − θ2)·(θ1 − θ2),
    ///
    /// instead of seven passes over the block. Each element is loaded once per input.
    /// - Complexity: O(n); ~20 vector operations per 4 elements, memory-bound on 2 cores.
    func addPair(
        base: UnsafePointer<Float>?, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
        count: Int
    ) {
        var sums = SIMD8<Double>()
        var start = 0
        while start < count {
            let n = min(Self.pairBlockElements, count - start)
            if let b = base {
                sums += Self.pairBlock(b + start, x + start, y + start, n)
            } else {
                sums += Self.pairBlock(x + start, y + start, n)
            }
            start += n
        }
        weight[0] += sums[0]
        weight[1] += sums[1]
        weight[3] += sums[2]
        task[0] += sums[3]
        task[1] += sums[4]
        task[3] += sums[5]
        distance[1] += sums[6]
        symmetrise()
    }

    /// Sums of one block with a base: lanes 0–6 of the result as in `addPair`.
    @inline(__always)
    static func pairBlock(
        _ b: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int
    ) -> SIMD8<Double> {
        let rb = UnsafeRawPointer(b), rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
        var xx = SIMD4<Float>(), xy = SIMD4<Float>(), yy = SIMD4<Float>()
        var uu = SIMD4<Float>(), uv = SIMD4<Float>(), vv = SIMD4<Float>(), ee = SIMD4<Float>()
        var k = 0
        while k + 4 <= n {
            let o = 4 * k
            let bv = rb.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            let xv = rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            let yv = ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            let u = xv - bv, v = yv - bv, e = xv - yv
            xx += xv * xv
            xy += xv * yv
            yy += yv * yv
            uu += u * u
            uv += u * v
            vv += v * v
            ee += e * e
            k += 4
        }
        var out = SIMD8<Double>(
            sum(xx), sum(xy), sum(yy), sum(uu), sum(uv), sum(vv), sum(ee), 0)
        while k < n {
            let bd = Double(b[k]), xd = Double(x[k]), yd = Double(y[k])
            let u = xd - bd, v = yd - bd, e = xd - yd
            out += SIMD8<Double>(xd * xd, xd * yd, yd * yd, u * u, u * v, v * v, e * e, 0)
            k += 1
        }
        return out
    }

    /// Sums of one block without a base: lanes 0–2 and 6 (θ products and distance).
    @inline(__always)
    static func pairBlock(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int
    ) -> SIMD8<Double> {
        let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
        var xx = SIMD4<Float>(), xy = SIMD4<Float>(), yy = SIMD4<Float>(), ee = SIMD4<Float>()
        var k = 0
        while k + 4 <= n {
            let o = 4 * k
            let xv = rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            let yv = ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            let e = xv - yv
            xx += xv * xv
            xy += xv * yv
            yy += yv * yv
            ee += e * e
            k += 4
        }
        var out = SIMD8<Double>(sum(xx), sum(xy), sum(yy), 0, 0, 0, sum(ee), 0)
        while k < n {
            let xd = Double(x[k]), yd = Double(y[k]), e = xd - yd
            out += SIMD8<Double>(xd * xd, xd * yd, yd * yd, 0, 0, 0, e * e, 0)
            k += 1
        }
        return out
    }

    /// The lanes of `v` summed in `Double`.
    @inline(__always)
    static func sum(_ v: SIMD4<Float>) -> Double {
        (Double(v[0]) + Double(v[1])) + (Double(v[2]) + Double(v[3]))
    }
}
