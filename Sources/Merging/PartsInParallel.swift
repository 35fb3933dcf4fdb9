import Foundation

/// Runs `work(p)` for every part p in `0..<parts`: on the calling thread when there is one
/// part, else concurrently (`DispatchQueue.concurrentPerform`). Every part runs to its end;
/// then the error of the lowest-numbered failing part is thrown, so a failure reads the same
/// whatever the threads' timing.
func runParts(_ parts: Int, _ work: @Sendable (Int) throws -> Void) throws {
    let errors = ErrorSlots(count: parts)
    if parts == 1 {
        do { try work(0) } catch { errors.set(0, error) }
    } else {
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            do { try work(p) } catch { errors.set(p, error) }
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
