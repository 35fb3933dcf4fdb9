import SafeTensors

/// What can go wrong in an analysis beyond the family's own checks: the family itself
/// (missing tensors, shapes, dtypes, non-finite values) is checked by `Merging.FamilyCheck`
/// and `GramPass`, which throw `MergeError`, the one vocabulary merges and `angles` share.
/// Each case names the file and numbers involved; `description` is one lowercase line.
public enum DiagnosticsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Fewer than two models were given.
    case tooFewModels(got: Int)
    /// No input tensor is a floating-point type that can be compared.
    case noFloatTensors(file: String)
    /// A report or plot could not be written.
    case cannotWrite(path: String, reason: String)
    /// A plot was asked for that the data cannot give (e.g. by block without block indices).
    case cannotPlot(reason: String)

    public var description: String {
        switch self {
        case let .tooFewModels(got):
            "angles need at least 2 models, got \(got)"
        case let .noFloatTensors(file): "\(file): no floating-point tensors to compare"
        case let .cannotWrite(path, reason): "\(path): cannot write: \(reason)"
        case let .cannotPlot(reason): "cannot plot: \(reason)"
        }
    }
}
