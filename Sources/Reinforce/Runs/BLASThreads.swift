import CBLAS

/// OpenBLAS's thread count, for callers that run models on their own threads.
public enum BLASThreads {
    /// Sets OpenBLAS to `n` threads. The trainer's matrices are small, so one thread per run
    /// (and runs in parallel) beats OpenBLAS's own threading.
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// The thread count every evaluation and merge of the WARP loop runs with, in process or
    /// as `mergetool eval`: OpenBLAS splits a product's sums by thread, so another count
    /// rounds differently (KL moves ~1e-7); one thread gives the same bits everywhere.
    public static let reproducible = 1
}
