import CBLAS
import Foundation

/// Which elements of each sgemm shape OpenBLAS forms as two interleaved chains ("split")
/// rather than one, learned once per shape and process by `mt_gemm_calibrate` (CBLAS/gemm.h):
/// the plan `Kernels.gemm` hands to its AVX-512 twin so that it rounds as OpenBLAS does.
///
/// A shape is (transA, transB, M, N, K); a plan is M·⌈N/16⌉ sixteen-bit masks. A shape whose
/// products OpenBLAS forms in some other way gets no plan and stays on OpenBLAS.
/// - Complexity: one locked table look-up per call; the `probeAfter`-th use of a shape runs
///   the probe (a few products of that shape: about ten OpenBLAS calls and twice as many of
///   the twin). Earlier uses run on OpenBLAS (the same bits).
final class GEMMPlans: @unchecked Sendable {
    /// The AVX-512 twin can run on this CPU.
    static let available = mt_gemm_supported() != 0
    static let shared = GEMMPlans()

    private struct Shape: Hashable {
        let transA, transB: Bool
        let m, n, k: Int
    }

    private enum Entry {
        /// Seen this many times, not probed yet.
        case seen(Int)
        /// Probed: the masks, or nil when the shape has no plan.
        case probed(UnsafeMutablePointer<UInt16>?)
    }

    /// Uses of a shape on OpenBLAS before it is probed: a shape used a few times only (one
    /// evaluation, a short run, SFT batches of a rare length) is not worth the probe's
    /// products (measured: 16 keeps a 100-step `train sft` at OpenBLAS's time, 8 is slower).
    static let probeAfter = 16

    private let lock = NSLock()
    private var plans: [Shape: Entry] = [:]

    /// The masks of this shape, learning them once the shape has been asked for
    /// `probeAfter` times (at once with `now`); nil until then, and for a shape without a
    /// plan.
    func masks(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, now: Bool = false)
        -> UnsafePointer<UInt16>?
    {
        let shape = Shape(transA: transA, transB: transB, m: m, n: n, k: k)
        lock.lock()
        defer { lock.unlock() }
        switch plans[shape] {
        case .probed(let masks)?: return masks.map { UnsafePointer($0) }
        case .seen(let uses)? where !now && uses + 1 < Self.probeAfter:
            plans[shape] = .seen(uses + 1)
            return nil
        case nil where !now && Self.probeAfter > 1:
            plans[shape] = .seen(1)
            return nil
        default: break
        }
        let count = m * ((n + 15) / 16)
        var buffer: UnsafeMutablePointer<UInt16>? = .allocate(capacity: count)
        if mt_gemm_calibrate(transA ? 1 : 0, transB ? 1 : 0, m, n, k, buffer) == 0 {
            buffer?.deallocate()
            buffer = nil
        }
        plans[shape] = .probed(buffer)
        return buffer.map { UnsafePointer($0) }
    }
}
