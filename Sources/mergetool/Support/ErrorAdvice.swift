import Merging

/// A library error together with the command-line advice for it: what the user sees is the
/// advice (one lowercase line naming the flag); `error` keeps the typed case for tests and
/// callers.
struct AdvisedError: Error, Equatable, CustomStringConvertible {
    let error: MergeError
    let description: String
}

/// Turns library errors, which speak of inputs and plans, into advice that names the flag to
/// change. The library never spells a flag; this is the one place that does.
enum ErrorAdvice {
    /// The advice for `error`, or `nil` when its own description already says it all.
    static func advice(for error: MergeError) -> String? {
        switch error {
        case .lambdaNeedsTwoModels(let models):
            return "--lambda is for two models; use --weights for \(models)"
        case .negativeEta(let eta):
            return "eta \(eta) is negative (moves away from the merge); "
                + "pass --allow-negative-eta to do it anyway"
        case .initRequired(let method):
            return "\(method) needs --init (the shared initialisation)"
        case .mixedArchitectures:
            return error.description + "; pass --allow-mixed-architectures to merge them anyway"
        case .tokenizerMismatch:
            return error.description + "; pass --allow-tokenizer-mismatch to merge anyway"
        default:
            return nil
        }
    }

    /// Runs a merge command's body, rethrowing `MergeError`s that have advice as
    /// `AdvisedError`; every other error passes through unchanged.
    static func mergeCommand<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MergeError {
            guard let advice = advice(for: error) else { throw error }
            throw AdvisedError(error: error, description: advice)
        }
    }
}
