import CBLAS

/// OpenBLAS's thread count, for callers that run models on their own threads.
public enum BLASThreads {
    /// Sets OpenBLAS to `n` threads. The trainer's matrices are small, so one thread per run
    /// (and runs in parallel) beats OpenBLAS's own threading.
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
}
