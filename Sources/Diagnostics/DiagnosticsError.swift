import SafeTensors

/// Everything that can be wrong with the inputs of an angle analysis or with writing its
/// reports. Each case names the tensor, the files and the numbers involved; `description` is
/// one lowercase line.
public enum DiagnosticsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Fewer than two models were given.
    case tooFewModels(got: Int)
    /// `tensor` is in `presentIn` but not in `missingIn`.
    case missingTensor(tensor: String, missingIn: String, presentIn: String)
    /// Shapes of `tensor` differ across `files` (same order as `shapes`).
    case shapeMismatch(tensor: String, files: [String], shapes: [[Int]])
    /// `tensor` is a float in some inputs and not in others (same order as `dtypes`).
    case dtypeMismatch(tensor: String, files: [String], dtypes: [DType])
    /// NaN or ±Inf in `tensor` of `file`.
    case nonFinite(tensor: String, file: String)
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
        case let .missingTensor(t, missing, present):
            "tensor '\(t)' is in \(present) but not in \(missing)"
        case let .shapeMismatch(t, files, shapes):
            "tensor '\(t)' has different shapes: "
                + zip(files, shapes).map { "\($0) \($1)" }.joined(separator: ", ")
        case let .dtypeMismatch(t, files, dtypes):
            "tensor '\(t)' is a float in some inputs and not in others: "
                + zip(files, dtypes).map { "\($0) \($1.rawValue)" }.joined(separator: ", ")
        case let .nonFinite(t, file): "tensor '\(t)' in \(file) holds nan or infinite values"
        case let .noFloatTensors(file): "\(file): no floating-point tensors to compare"
        case let .cannotWrite(path, reason): "\(path): cannot write: \(reason)"
        case let .cannotPlot(reason): "cannot plot: \(reason)"
        }
    }
}
