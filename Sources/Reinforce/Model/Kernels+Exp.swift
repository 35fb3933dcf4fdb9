// exp without a libm call, so the loops that use it (GELU, softmax) auto-vectorise: every
// operation below is a lane-wise add, multiply, select or integer shift.
extension Kernels {
    /// 1.5·2²³: adding it rounds a Float of magnitude < 2²² to an integer (nearest, ties to
    /// even) and leaves that integer in the low mantissa bits.
    static let roundingMagic: Float = 12_582_912
    static let log2e: Float = 1.442_695_04
    /// ln 2 split in two (Cody–Waite): the high part has few mantissa bits, so n·ln2Hi is
    /// exact for |n| ≤ 128.
    static let ln2Hi: Float = 0.693_359_375
    static let ln2Lo: Float = -2.121_944_4e-4
    /// Above this (n = 128 would overflow the exponent) e^x is returned as +∞; the true value
    /// there is ≥ 2.5·10³⁸, next to FLT_MAX. Below `expUnderflow` the result would be subnormal
    /// and is flushed to 0.
    static let expOverflow: Float = 88.37
    static let expUnderflow: Float = -87.33

    /// e^x with at most ~2 ulp error on [−87.33, 88.37]; +∞ above, 0 below, NaN for NaN.
    ///
    ///     n = round(x·log₂e),  r = x − n·ln 2 ∈ [−ln2/2, ln2/2]
    ///     e^x = 2ⁿ · (1 + r + r²·P(r))          P: degree-5 minimax (Cephes `expf`)
    ///
    /// 2ⁿ is built from the exponent bits, so there is no call and no table; a loop over a
    /// buffer vectorises. Replaces `expf` (correctly rounded in glibc to < 1 ulp) in the GELU and
    /// softmax kernels: results differ from `expf` in the last bit or two.
    /// - Complexity: O(1), 12 floating-point operations.
    @inline(__always)
    static func fastExp(_ x: Float) -> Float {
        let y = clampedExp(x)
        // x is NaN: both comparisons are false and y is NaN (its polynomial is NaN).
        return x > expOverflow ? .infinity : (x < expUnderflow ? 0 : y)
    }

    /// e^{clamp(x, −87.33, 88.37)}: `fastExp` without the overflow/underflow selects, for
    /// callers that saturate anyway (GELU's σ = 1/(1 + e^v) is 1 at the low bound and
    /// ~4·10⁻³⁹ at the high one instead of 0).
    @inline(__always)
    static func clampedExp(_ x: Float) -> Float {
        // Written as selects so they become maxps/minps (a NaN x stays NaN through both).
        let lo = x < expUnderflow ? expUnderflow : x
        let xc = lo > expOverflow ? expOverflow : lo
        let shifted = xc * log2e + roundingMagic
        let n = shifted - roundingMagic
        let k = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: roundingMagic.bitPattern)
        let r = (xc - n * ln2Hi) - n * ln2Lo
        var p: Float = 1.987_569_150_0e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let poly = (p * (r * r) + r) + 1
        return poly * Float(bitPattern: UInt32(bitPattern: (k &+ 127) &<< 23))
    }
}
