import Foundation

/// Runs `work(p)` for every part p in `0..<parts`: on the calling thread when there is one
/// part, else concurrently, part 0 on the calling thread and the others on `PartWorkers`
/// (or `DispatchQueue.concurrentPerform` when those are busy with another call). Every part
/// runs to its end; then the error of the lowest-numbered failing part is thrown, so a failure
/// reads the same whatever the threads' timing.
func runParts(_ parts: Int, _ work: @Sendable (Int) throws -> Void) throws {
    let errors = ErrorSlots(count: parts)
    withoutActuallyEscaping(work) { work in
        let one: @Sendable (Int) -> Void = { p in
            do { try work(p) } catch { errors.set(p, error) }
        }
        if parts == 1 {
            one(0)
        } else if !PartWorkers.shared.run(parts, one) {
            DispatchQueue.concurrentPerform(iterations: parts, execute: one)
        }
    }
    if let error = errors.first { throw error }
}

/// One error slot per part, written by that part's thread only.
final class ErrorSlots: @unchecked Sendable {
    private var values: [(any Error)?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ p: Int, _ error: any Error) { values[p] = error }
    /// The error of the lowest-numbered failing part.
    var first: (any Error)? { values.compactMap { $0 }.first }
}

/// Worker threads kept for `runParts`, one call at a time. Idle workers sleep on a condition
/// variable: the merge passes call `runParts` once per block (about a millisecond of work), and
/// `concurrentPerform`'s waiting threads spin in `sched_yield` between calls, which took ~19 % of
/// `angles`' CPU time and competes with the output writer thread on two cores.
/// - Complexity: `parts − 1` threads, started on first need and kept for the process.
final class PartWorkers: @unchecked Sendable {
    static let shared = PartWorkers()

    private let condition = NSCondition()
    /// Held for the whole of one `run`; a second caller (a nested or concurrent `runParts`)
    /// does not wait for it but falls back to `concurrentPerform`.
    private let busy = NSLock()
    private var work: (@Sendable (Int) -> Void)?
    private var parts = 0
    private var next = 0
    private var remaining = 0
    private var threads = 0

    /// Runs `work(p)` for p in `0..<parts` (part 0 on the calling thread) and returns true, or
    /// returns false at once, running nothing, when another call is running.
    func run(_ parts: Int, _ work: @escaping @Sendable (Int) -> Void) -> Bool {
        guard busy.try() else { return false }
        defer { busy.unlock() }
        condition.lock()
        while threads < parts - 1 {
            let thread = Thread { [unowned self] in self.loop() }
            thread.name = "mergetool.parts"
            thread.start()
            threads += 1
        }
        self.work = work
        self.parts = parts
        next = 1
        remaining = parts - 1
        condition.broadcast()
        condition.unlock()
        work(0)
        condition.lock()
        while remaining > 0 { condition.wait() }
        self.work = nil
        condition.unlock()
        return true
    }

    private func loop() {
        condition.lock()
        while true {
            while work == nil || next >= parts { condition.wait() }
            let p = next
            next += 1
            var body = work  // dropped before the part is counted done: `run` lends it
            condition.unlock()
            body?(p)
            body = nil
            condition.lock()
            remaining -= 1
            if remaining == 0 { condition.broadcast() }
        }
    }
}
