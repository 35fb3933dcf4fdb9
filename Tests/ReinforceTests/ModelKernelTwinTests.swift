import CBLAS
import Testing

@testable import Reinforce

/// The AVX2 twins in CBLAS/kernels.h against the Swift loops they replace, bit for bit (the
/// same operations in the same order), and the bias-fused passes against the separate
/// ones; the Swift loops themselves are checked against Double in `ModelKernelTests`.
@Suite struct ModelKernelTwinTests {
    static let lengths = [1, 3, 7, 8, 9, 16, 17, 31, 32, 299]

    static func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

    @Test(.enabled(if: Kernels.avx2, "the CPU has no AVX2"), arguments: lengths)
    func softmaxAndLogSumExpTwinsAreBitIdentical(n: Int) {
        var z = ModelKernelTests.values(n, seed: UInt64(n) &+ 40, scale: 30)
        if n > 2 { z[n / 2] = 95 }  // an e^x past the overflow bound after the shift
        for invT: Float in [1, 1 / 0.9, 1 / 0.3] {
            var a = [Float](repeating: 0, count: n), b = a
            let la = Kernels.softmax(out: &a, logits: z, n: n, invTemperature: invT)
            let lb = Kernels.softmaxLoop(out: &b, logits: z, n: n, invTemperature: invT)
            #expect(la.bitPattern == lb.bitPattern, "n \(n) invT \(invT)")
            #expect(Self.bits(a) == Self.bits(b), "n \(n) invT \(invT)")
        }
        var a = [Float](repeating: 0, count: n), b = a
        let la = Kernels.logSumExp(z, scratch: &a, count: n)
        let lb = Kernels.logSumExpLoop(z, scratch: &b, count: n)
        #expect(la.bitPattern == lb.bitPattern, "n \(n)")
        #expect(Self.bits(a) == Self.bits(b), "n \(n)")
    }

    /// The AVX-512 copies of the elementwise twins (softmax, log-sum-exp, GELU) and the AVX2
    /// ones, called directly (the dispatch picks only one of them), against the Swift loops.
    @Test(.enabled(if: Kernels.avx512, "the CPU has no AVX-512"), arguments: lengths)
    func avx512AndAVX2TwinsAreBitIdentical(n: Int) {
        var z = ModelKernelTests.values(n, seed: UInt64(n) &+ 70, scale: 30)
        if n > 2 { z[n / 2] = 95 }
        for invT: Float in [1, 1 / 0.9] {
            var a = [Float](repeating: 0, count: n), b = a, c = a
            let la = mt_softmax_avx512(&a, z, n, invT), lb = mt_softmax_avx2(&b, z, n, invT)
            let lc = Kernels.softmaxLoop(out: &c, logits: z, n: n, invTemperature: invT)
            #expect([la.bitPattern, lb.bitPattern] == [lc.bitPattern, lc.bitPattern], "n \(n)")
            #expect(Self.bits(a) == Self.bits(c) && Self.bits(b) == Self.bits(c), "n \(n)")
        }
        var a = [Float](repeating: 0, count: n), b = a, c = a
        let la = mt_log_sum_exp_avx512(z, &a, n), lb = mt_log_sum_exp_avx2(z, &b, n)
        let lc = Kernels.logSumExpLoop(z, scratch: &c, count: n)
        #expect([la.bitPattern, lb.bitPattern] == [lc.bitPattern, lc.bitPattern], "n \(n)")
        #expect(Self.bits(a) == Self.bits(c) && Self.bits(b) == Self.bits(c), "n \(n)")
        // GELU as 3 rows of n, with and without σ.
        let pre = ModelKernelTests.values(3 * n, seed: UInt64(n) &+ 71, scale: 6)
        let bias = ModelKernelTests.values(n, seed: UInt64(n) &+ 72)
        var x = [pre, pre, pre], g = [[Float]](repeating: a, count: 3).map { $0 + $0 + $0 }
        var s = g
        mt_bias_gelu_avx512(&g[0], &s[0], &x[0], bias, 3, n)
        mt_bias_gelu_avx2(&g[1], &s[1], &x[1], bias, 3, n)
        Kernels.biasGeluLoop(out: &g[2], sigmoid: &s[2], pre: &x[2], bias: bias, n: 3, oc: n)
        for k in 0..<2 {
            #expect(Self.bits(x[k]) == Self.bits(x[2]), "n \(n) twin \(k)")
            #expect(Self.bits(g[k]) == Self.bits(g[2]), "n \(n) twin \(k)")
            #expect(Self.bits(s[k]) == Self.bits(s[2]), "n \(n) twin \(k)")
        }
        var x2 = [pre, pre], g2 = [g[0], g[0]]
        mt_bias_gelu_avx512(&g2[0], nil, &x2[0], bias, 3, n)
        Kernels.biasGeluLoop(out: &g2[1], pre: &x2[1], bias: bias, n: 3, oc: n)
        #expect(Self.bits(g2[0]) == Self.bits(g2[1]) && Self.bits(x2[0]) == Self.bits(x2[1]))
    }

    /// LayerNorm forward and backward: the AVX2 twins against the Swift loops, at widths with
    /// and without an eight-lane tail.
    @Test(.enabled(if: Kernels.avx2, "the CPU has no AVX2"), arguments: [3, 13, 64])
    func layerNormTwinsAreBitIdentical(c: Int) {
        let n = 5
        let x = ModelKernelTests.values(n * c, seed: UInt64(c) &+ 80, scale: 3)
        let w = ModelKernelTests.values(c, seed: UInt64(c) &+ 81)
        let b = ModelKernelTests.values(c, seed: UInt64(c) &+ 82)
        let dout = ModelKernelTests.values(n * c, seed: UInt64(c) &+ 83)
        var o1 = [Float](repeating: 0, count: n * c), o2 = o1
        var m1 = [Float](repeating: 0, count: n), m2 = m1, r1 = m1, r2 = m1
        Kernels.layerNormForward(
            out: &o1, mean: &m1, rstd: &r1, inp: x, weight: w, bias: b, n: n, c: c, eps: 1e-5)
        Kernels.layerNormForwardLoop(
            out: &o2, mean: &m2, rstd: &r2, inp: x, weight: w, bias: b, n: n, c: c, eps: 1e-5)
        #expect(Self.bits(o1) == Self.bits(o2))
        #expect(Self.bits(m1) == Self.bits(m2) && Self.bits(r1) == Self.bits(r2))
        // The backward adds into its outputs: start both from the same non-zero values.
        var dx1 = ModelKernelTests.values(n * c, seed: 84), dx2 = dx1
        var dw1 = ModelKernelTests.values(c, seed: 85), dw2 = dw1
        var db1 = ModelKernelTests.values(c, seed: 86), db2 = db1
        Kernels.layerNormBackward(
            dinp: &dx1, dweight: &dw1, dbias: &db1, dout: dout, inp: x, weight: w, mean: m1,
            rstd: r1, n: n, c: c)
        Kernels.layerNormBackwardLoop(
            dinp: &dx2, dweight: &dw2, dbias: &db2, dout: dout, inp: x, weight: w, mean: m1,
            rstd: r1, n: n, c: c)
        #expect(Self.bits(dx1) == Self.bits(dx2))
        #expect(Self.bits(dw1) == Self.bits(dw2) && Self.bits(db1) == Self.bits(db2))
    }

    @Test(.enabled(if: Kernels.avx2, "the CPU has no AVX2"), arguments: [1, 2, 5, 16, 32])
    func attendRowTwinIsBitIdentical(count: Int) {
        let stride = 3 * 64
        let kv = ModelKernelTests.values(count * stride, seed: UInt64(count), scale: 4)
        let q = ModelKernelTests.values(16, seed: 99, scale: 4)
        var pa = [Float](repeating: 0, count: count), pb = pa
        var oa = [Float](repeating: 0, count: 16), ob = oa
        kv.withUnsafeBufferPointer { kv in
            let k = kv.baseAddress! + 64, v = kv.baseAddress! + 128
            Kernels.attendRow(
                query: q, keys: k, values: v, stride: stride, count: count, headSize: 16,
                scale: 0.25, probabilities: &pa, out: &oa)
            Kernels.attendRow16(
                query: q, keys: k, values: v, stride: stride, count: count, scale: 0.25,
                probabilities: &pb, out: &ob)
        }
        #expect(Self.bits(pa) == Self.bits(pb))
        #expect(Self.bits(oa) == Self.bits(ob))
    }

    /// The four-head attention row = `attendRow` on each head alone, bit for bit (the twin
    /// only interleaves the heads), for counts with and without an eight-lane tail.
    @Test(.enabled(if: Kernels.avx2, "the CPU has no AVX2"), arguments: [1, 2, 5, 9, 16, 32])
    func fourHeadAttendRowEqualsOneHeadAtATime(count: Int) {
        let c = 64, stride = 3 * c
        let qkv = ModelKernelTests.values(count * stride, seed: UInt64(count) &+ 11, scale: 4)
        var pa = [Float](repeating: 0, count: 4 * count), pb = pa
        var oa = [Float](repeating: 0, count: c), ob = oa
        qkv.withUnsafeBufferPointer { m in
            let q = m.baseAddress! + (count - 1) * stride, k = m.baseAddress! + c
            let v = m.baseAddress! + 2 * c
            pa.withUnsafeMutableBufferPointer { p in
                let r = p.baseAddress!
                Kernels.attendRow16x4(
                    query: q, keys: k, values: v, stride: stride, count: count, scale: 0.25,
                    probabilities: (r, r + count, r + 2 * count, r + 3 * count), out: &oa)
            }
            pb.withUnsafeMutableBufferPointer { p in
                for h in 0..<4 {
                    Kernels.attendRow(
                        query: q + 16 * h, keys: k + 16 * h, values: v + 16 * h,
                        stride: stride, count: count, headSize: 16, scale: 0.25,
                        probabilities: p.baseAddress! + h * count, out: &ob[16 * h])
                }
            }
        }
        #expect(Self.bits(pa) == Self.bits(pb))
        #expect(Self.bits(oa) == Self.bits(ob))
    }

    /// biasGelu (AVX2 or Swift) = the bias added in a pass, then `geluForward`; with and
    /// without σ, at row widths with and without an eight-lane tail.
    @Test(arguments: [4, 13, 256])
    func biasGeluEqualsBiasThenGelu(width: Int) {
        let rows = 3, n = rows * width
        let pre = ModelKernelTests.values(n, seed: 7, scale: 10)
        let bias = ModelKernelTests.values(width, seed: 8)
        var withBias = pre
        for i in 0..<n { withBias[i] += bias[i % width] }
        var want = [Float](repeating: 0, count: n), wantSigmoid = want
        Kernels.geluForward(out: &want, sigmoid: &wantSigmoid, inp: withBias, count: n)
        var x1 = pre, x2 = pre, x3 = pre
        var g1 = [Float](repeating: 0, count: n), g2 = g1, g3 = g1, s1 = g1, s3 = g1
        Kernels.biasGelu(out: &g1, sigmoid: &s1, pre: &x1, bias: bias, n: rows, oc: width)
        Kernels.biasGelu(out: &g2, pre: &x2, bias: bias, n: rows, oc: width)
        Kernels.biasGeluLoop(out: &g3, sigmoid: &s3, pre: &x3, bias: bias, n: rows, oc: width)
        for (x, g) in [(x1, g1), (x2, g2), (x3, g3)] {
            #expect(Self.bits(x) == Self.bits(withBias))
            #expect(Self.bits(g) == Self.bits(want))
        }
        #expect(Self.bits(s1) == Self.bits(wantSigmoid))
        #expect(Self.bits(s3) == Self.bits(wantSigmoid))
    }

    /// `linear` + `biasResidual` = `linearForward` (bias copied in, beta = 1) +
    /// `residualForward`, bit for bit, at the model's shapes.
    @Test(arguments: [(64, 64), (256, 64), (64, 192)])
    func linearThenBiasResidualEqualsLinearForward(c: Int, oc: Int) {
        let n = 20
        let inp = ModelKernelTests.values(n * c, seed: 11)
        let w = ModelKernelTests.values(c * oc, seed: 12, scale: 0.2)
        let bias = ModelKernelTests.values(oc, seed: 13)
        let res = ModelKernelTests.values(n * oc, seed: 14)
        var y1 = [Float](repeating: 0, count: n * oc), y2 = y1, want = y1, got = y1
        Kernels.linearForward(out: &y1, inp: inp, weight: w, bias: bias, n: n, c: c, oc: oc)
        Kernels.residualForward(out: &want, a: res, b: y1, count: n * oc)
        Kernels.linear(out: &y2, inp: inp, weight: w, n: n, c: c, oc: oc)
        Kernels.biasResidual(out: &got, a: res, y: y2, bias: bias, n: n, oc: oc)
        #expect(Self.bits(got) == Self.bits(want))
        var inPlace = res
        Kernels.biasResidual(&inPlace, y: y2, bias: bias, n: n, oc: oc)
        #expect(Self.bits(inPlace) == Self.bits(want))
        Kernels.addBias(&y2, bias: bias, n: n, oc: oc)
        #expect(Self.bits(y2) == Self.bits(y1))
    }

    /// The vectorised finiteness pass finds a NaN or ∞ in the eight-lane body and in the tail,
    /// and names the tensor.
    @Test func finiteCheckFindsEveryNonFiniteParameter() throws {
        let config = GPTConfig(layers: 1, dModel: 4, heads: 1, context: 8, vocabSize: 6)
        let model = try GPT(config: config, seed: 3)
        #expect(model.parameterCount % 8 != 0, "the last parameter is in the scalar tail")
        try FiniteCheck.parameters(step: 1, model)
        let last = model.parameterCount - 1
        for (index, value) in [(0, Float.nan), (last, .infinity), (last, -.infinity), (9, .nan)] {
            let p = model.parameters.pointer
            let saved = p[index]
            p[index] = value
            defer { p[index] = saved }
            let tensor = model.layout.entries.last { $0.offset <= index }!.name
            #expect(
                throws: ReinforceError.nonFiniteTraining(
                    step: 4, what: "policy parameter in '\(tensor)' (\(value))")
            ) { try FiniteCheck.parameters(step: 4, model) }
        }
    }
}

/// AdamW's AVX2 twins (‖g‖² and the element loop) against its Swift loops, bit for bit.
@Suite struct TrainingAdamWTwinTests {
    @Test(.enabled(if: Kernels.avx2, "the CPU has no AVX2"), arguments: [1, 3, 4, 9, 37, 1001])
    func adamWTwinsAreBitIdentical(n: Int) {
        let g = ModelKernelTests.values(n, seed: 21, scale: 2)
        #expect(AdamW.squaredNorm(g, count: n) == AdamW.squaredNormLoop(g, count: n))
        let p0 = ModelKernelTests.values(n, seed: 22)
        var m0 = ModelKernelTests.values(n, seed: 23, scale: 0.1)
        var v0 = ModelKernelTests.values(n, seed: 24, scale: 0.1).map(\.magnitude)
        v0[0] = -0.0
        m0[0] = 0
        let decay = (0..<n).map { Float($0 % 2) }
        var pa = p0, ma = m0, va = v0, pb = p0, mb = m0, vb = v0
        mt_adamw_avx2(
            &pa, g, &ma, &va, decay, n, 0.7, 0.9, 0.999, 0.1, 0.001, 0.19, 0.002, 1e-3, 1e-8, 0.01)
        AdamW.updateLoop(
            &pb, g, &mb, &vb, decay, n, 0.7, 0.9, 0.999, 0.1, 0.001, 0.19, 0.002, 1e-3, 1e-8, 0.01)
        #expect(ModelKernelTwinTests.bits(pa) == ModelKernelTwinTests.bits(pb))
        #expect(ModelKernelTwinTests.bits(ma) == ModelKernelTwinTests.bits(mb))
        #expect(ModelKernelTwinTests.bits(va) == ModelKernelTwinTests.bits(vb))
    }

    /// The sixteen-lane AdamW element loop against the Swift loop, bit for bit (lengths with
    /// and without sixteen- and eight-lane tails).
    @Test(
        .enabled(if: Kernels.avx512, "the CPU has no AVX-512"),
        arguments: [1, 9, 16, 17, 37, 1001])
    func adamWSixteenLaneTwinIsBitIdentical(n: Int) {
        let g = ModelKernelTests.values(n, seed: 31, scale: 2)
        let p0 = ModelKernelTests.values(n, seed: 32)
        var m0 = ModelKernelTests.values(n, seed: 33, scale: 0.1)
        var v0 = ModelKernelTests.values(n, seed: 34, scale: 0.1).map(\.magnitude)
        v0[0] = -0.0
        m0[0] = 0
        let decay = (0..<n).map { Float($0 % 2) }
        var pa = p0, ma = m0, va = v0, pb = p0, mb = m0, vb = v0
        mt_adamw_avx512(
            &pa, g, &ma, &va, decay, n, 0.7, 0.9, 0.999, 0.1, 0.001, 0.19, 0.002, 1e-3, 1e-8, 0.01)
        AdamW.updateLoop(
            &pb, g, &mb, &vb, decay, n, 0.7, 0.9, 0.999, 0.1, 0.001, 0.19, 0.002, 1e-3, 1e-8, 0.01)
        #expect(ModelKernelTwinTests.bits(pa) == ModelKernelTwinTests.bits(pb))
        #expect(ModelKernelTwinTests.bits(ma) == ModelKernelTwinTests.bits(mb))
        #expect(ModelKernelTwinTests.bits(va) == ModelKernelTwinTests.bits(vb))
    }
}

/// The attention backward's AVX2 row against `attentionBackwardRow16`, bit for bit.
@Suite struct ModelAttentionTwinTests {
    @Test(.enabled(if: Kernels.avx2, "the CPU has no AVX2"), arguments: [0, 1, 6, 15])
    func attentionBackwardRowTwinIsBitIdentical(row i: Int) {
        let t = 16, stride = 3 * 64, c = 64
        let qkv = ModelKernelTests.values(t * stride, seed: 31, scale: 2)
        var probs = ModelKernelTests.values(i + 1, seed: 32, scale: 1).map(\.magnitude)
        let total = probs.reduce(0, +)
        probs = probs.map { $0 / total }
        let dout = ModelKernelTests.values(16, seed: 33)
        let d0 = ModelKernelTests.values(t * stride, seed: 34, scale: 0.5)
        var da = d0, db = d0
        var ra = [Float](repeating: 0, count: t), rb = ra
        qkv.withUnsafeBufferPointer { qkv in
            let q = qkv.baseAddress!, k = q + c, v = q + 2 * c
            da.withUnsafeMutableBufferPointer { d in
                let dq = d.baseAddress!
                mt_attention_backward_row16_avx2(
                    i, probs, &ra, dout, q, k, v, dq, dq + c, dq + 2 * c, stride, 0.25)
            }
            db.withUnsafeMutableBufferPointer { d in
                let dq = d.baseAddress!
                Kernels.attentionBackwardRow16(
                    row: i, probabilities: probs, scratch: &rb, dout: dout, q: q, k: k, v: v,
                    dq: dq, dk: dq + c, dv: dq + 2 * c, stride: stride, scale: 0.25)
            }
        }
        #expect(ModelKernelTwinTests.bits(da) == ModelKernelTwinTests.bits(db))
        #expect(ModelKernelTwinTests.bits(ra) == ModelKernelTwinTests.bits(rb))
    }
}
