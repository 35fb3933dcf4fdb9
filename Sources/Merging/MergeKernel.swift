import CMergeKernels
import SafeTensors

/// The per-chunk arithmetic of every merge method, in `Double`, by the C kernels of
/// `CMergeKernels/merge_kernels.c` (read straight from bf16/f32/f64 bytes, AVX-512 or AVX2 when
/// the CPU has them):
///
///     δ_m = x_m − x_0  (x_0 = 0 without init)       Gram_mn += δ_m·δ_n
///     s   = x_0 + Σ_m c_m δ_m  (s = x_1 for LITI)     out_η = η == 1 ? s : x_0 + η·(s − x_0)
///
/// `out_η` is rounded once to the output dtype. Because a LITI output is computed from the
/// `Double` merge `s` exactly as `liti` computes it from an F64 checkpoint holding `s`, a fused
/// front equals `slerp --dtype f64` followed by `liti` bit for bit. Every SIMD level performs
/// the same operations in the same order, so outputs do not depend on the machine either.
///
/// - Complexity: O(M² · n) flops per chunk of n elements; no allocation.
struct MergeKernel: Sendable {
    let models: Int
    let hasInit: Bool
    let sIsModel: Bool

    /// Adds the upper triangle of `δ_m·δ_n` over `chunk` into `gram` (row-major M×M).
    func accumulateGram(_ chunk: RawChunk, into gram: UnsafeMutablePointer<Double>) {
        if hasInit {
            mt_pair_sums(
                chunk.pointers, chunk.kinds, models, 1, chunk.count, UInt32(MT_SUM_TASK), gram,
                nil, nil)
        } else {
            mt_pair_sums(
                chunk.pointers, chunk.kinds, models, 0, chunk.count, UInt32(MT_SUM_WEIGHT), nil,
                gram, nil)
        }
    }

    /// Writes `out_η` of `chunk` for each η of `etas` to `outputs[k]`, in `dtype`, and adds to
    /// `nonFinite[k]` how many written values are NaN/±Inf (on the written bits: a finite
    /// `Double` that overflows `dtype` counts). Types the kernel does not write itself (f16,
    /// fp8) are computed into `scratch` (`chunk.count` doubles), rounded once by
    /// `FloatConversion.encode` and counted by decoding what was written.
    func merge(
        _ chunk: RawChunk, c: [Double], etas: [Double], dtype: DType,
        outputs: UnsafePointer<UnsafeMutableRawPointer?>, scratch: UnsafeMutablePointer<Double>,
        nonFinite: UnsafeMutablePointer<Int>
    ) {
        let n = chunk.count
        c.withUnsafeBufferPointer { c in
            etas.withUnsafeBufferPointer { e in
                if let kind = ChunkedInputs.kernelKind(dtype) {
                    mt_merge(
                        chunk.pointers, chunk.kinds, models, hasInit ? 1 : 0, sIsModel ? 1 : 0,
                        c.baseAddress, n, e.baseAddress, etas.count, outputs, kind, nonFinite)
                    return
                }
                var s: UnsafeMutableRawPointer? = UnsafeMutableRawPointer(scratch)
                for k in etas.indices {
                    mt_merge(
                        chunk.pointers, chunk.kinds, models, hasInit ? 1 : 0, sIsModel ? 1 : 0,
                        c.baseAddress, n, e.baseAddress! + k, 1, &s, Int32(MT_F64), nil)
                    let written = UnsafeMutableRawBufferPointer(
                        start: outputs[k], count: dtype.byteCount(elements: n) ?? 0)
                    let values = UnsafeMutableBufferPointer(start: scratch, count: n)
                    FloatConversion.encode(UnsafeBufferPointer(values), dtype: dtype, into: written)
                    // a convertible float type always decodes
                    try? FloatConversion.decode(
                        UnsafeRawBufferPointer(written), dtype: dtype, into: values)
                    nonFinite[k] += values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
                }
            }
        }
    }
}
