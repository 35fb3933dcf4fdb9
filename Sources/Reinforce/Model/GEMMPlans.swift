import CBLAS
import Foundation

/// Which elements of each sgemm shape OpenBLAS forms as two interleaved chains ("split")
/// rather than one, learned once per shape and process by `mt_gemm_calibrate` (CBLAS/gemm.h):
/// the plan `Kernels.gemm` hands to its AVX-512 twin so that it rounds as OpenBLAS does.
///
/// A shape is (transA, transB, M, N, K); a plan is M·⌈N/16⌉ sixteen-bit masks. A shape whose
/// products OpenBLAS forms in some other way gets no plan and stays on OpenBLAS.
/// - Complexity: the first use of a shape runs a few probe products of that shape (about ten
///   OpenBLAS calls and twice as many of the twin); later uses are one locked table look-up.
final class GEMMPlans: @unchecked Sendable {
    /// The AVX-512 twin can run on this CPU.
    static let available = mt_gemm_supported() != 0
    static let shared = GEMMPlans()

    private struct Shape: Hashable {
        let transA, transB: Bool
        let m, n, k: Int
    }

    private let lock = NSLock()
    /// A shape's masks, or nil when it has no plan (kept, so it is probed once).
    private var plans: [Shape: UnsafeMutablePointer<UInt16>?] = [:]

    /// The masks of this shape, learning them on first use; nil when the shape has no plan.
    func masks(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int)
        -> UnsafePointer<UInt16>?
    {
        let shape = Shape(transA: transA, transB: transB, m: m, n: n, k: k)
        lock.lock()
        defer { lock.unlock() }
        if let known = plans[shape] { return known.map { UnsafePointer($0) } }
        let count = m * ((n + 15) / 16)
        var buffer: UnsafeMutablePointer<UInt16>? = .allocate(capacity: count)
        if mt_gemm_calibrate(transA ? 1 : 0, transB ? 1 : 0, m, n, k, buffer) == 0 {
            buffer?.deallocate()
            buffer = nil
        }
        plans.updateValue(buffer, forKey: shape)
        return buffer.map { UnsafePointer($0) }
    }
}
