import Foundation

/// Runs the sinks' writes on one background thread, in submission order, so writing block b
/// (a kernel copy into the page cache, often as slow as the arithmetic) overlaps computing
/// block b + 1.
///
/// Contract: `submit` jobs from one thread; `drain` waits until every submitted job has run
/// and rethrows the first error (later jobs are skipped after an error).
/// - Complexity: one thread; memory is whatever the jobs capture.
final class SinkPipeline: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() throws -> Void] = []
    private var running = false
    private var failure: (any Error)?
    private var closed = false
    private var thread: Thread?

    init() {
        let t = Thread { [unowned self] in self.loop() }
        t.name = "mergetool.sinks"
        thread = t
        t.start()
    }

    /// Queues `job`; returns at once.
    func submit(_ job: @escaping () throws -> Void) {
        condition.lock()
        jobs.append(job)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for all queued jobs; throws the first error any of them threw.
    func drain() throws {
        condition.lock()
        while !jobs.isEmpty || running { condition.wait() }
        let error = failure
        condition.unlock()
        if let error { throw error }
    }

    /// Stops the thread after the queued jobs (call once, after `drain`).
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while thread != nil { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while true {
            while jobs.isEmpty && !closed { condition.wait() }
            if jobs.isEmpty && closed { break }
            let job = jobs.removeFirst()
            running = true
            let skip = failure != nil
            condition.unlock()
            var thrown: (any Error)?
            if !skip {
                do { try job() } catch { thrown = error }
            }
            condition.lock()
            if let thrown, failure == nil { failure = thrown }
            running = false
            condition.broadcast()
        }
        thread = nil
        condition.broadcast()
        condition.unlock()
    }
}
