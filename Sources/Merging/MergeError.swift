import SafeTensors

/// Everything that can be wrong with a merge's (or a family's) inputs or request. Each case
/// names the tensor, the files and the numbers involved; `description` is one lowercase line
/// in library terms (no command-line flag: the command line maps cases to advice).
public enum MergeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Fewer models than the method needs.
    case tooFewModels(method: String, needed: Int, got: Int)
    /// More models than the method merges (LITI takes exactly one merged model).
    case tooManyModels(method: String, allowed: Int, got: Int)
    /// The method needs an init (SLERP, task arithmetic, LITI, any η ≠ 1) and none was given.
    case initRequired(method: String)
    /// `tensor` is in `presentIn` but not in `missingIn`.
    case missingTensor(tensor: String, missingIn: String, presentIn: String)
    /// Shapes of `tensor` differ across `files` (same order as `shapes`).
    case shapeMismatch(tensor: String, files: [String], shapes: [[Int]])
    /// `tensor` is a mergeable float in some inputs and not in others (same order as `dtypes`).
    case dtypeMismatch(tensor: String, files: [String], dtypes: [DType])
    /// A tensor that is copied (integer, bool, or a float type we only copy) differs across
    /// inputs.
    case unequalTensor(tensor: String, files: [String], dtypes: [DType])
    /// NaN or ±Inf in `tensor` of `file`.
    case nonFinite(tensor: String, file: String)
    /// A coefficient list has the wrong length or a bad value.
    case invalidCoefficients(reason: String)
    /// A single λ was given for a merge of `models` ≠ 2 models without per-model weights.
    case lambdaNeedsTwoModels(models: Int)
    /// A negative η without `allowNegativeEta`.
    case negativeEta(eta: Double)
    /// The number of outputs differs from the number of η values.
    case outputCount(etas: Int, outputs: Int)
    /// The requested output dtype cannot hold merged floats.
    case invalidOutputDType(dtype: DType)
    /// No method of `MergeMethods.all` has this name.
    case unknownMethod(name: String)
    /// A part `index/count` outside 1…count (`MergePart`).
    case invalidPart(index: Int, count: Int)
    /// The merge of finite inputs gave `count` NaN/±Inf values in `tensor` of the output at
    /// `eta` (written as `dtype`): the coefficients or η overflow it.
    case nonFiniteOutput(tensor: String, eta: Double, count: Int, dtype: DType)
    /// Inputs whose config.json declare different architectures.
    case mixedArchitectures(files: [String], architectures: [String])
    /// Inputs whose tokenizers differ (vocabulary size, added tokens).
    case tokenizerMismatch(difference: String)

    public var description: String {
        switch self {
        case let .tooFewModels(method, needed, got):
            "\(method) needs at least \(needed) models, got \(got)"
        case let .tooManyModels(method, allowed, got):
            "\(method) takes at most \(allowed) model\(allowed == 1 ? "" : "s"), got \(got)"
        case let .initRequired(method): "\(method) needs an init (the shared initialisation)"
        case let .missingTensor(t, missing, present):
            "tensor '\(t)' is in \(present) but not in \(missing)"
        case let .shapeMismatch(t, files, shapes):
            "tensor '\(t)' has different shapes: "
                + zip(files, shapes).map { "\($0) \($1)" }.joined(separator: ", ")
        case let .dtypeMismatch(t, files, dtypes):
            "tensor '\(t)' is a float in some inputs and not in others: "
                + zip(files, dtypes).map { "\($0) \($1.rawValue)" }.joined(separator: ", ")
        case let .unequalTensor(t, files, dtypes):
            "non-float tensor '\(t)' (\(dtypes.map(\.rawValue).joined(separator: "/"))) differs "
                + "across inputs and cannot be merged: " + files.joined(separator: ", ")
        case let .nonFinite(t, file): "tensor '\(t)' in \(file) holds nan or infinite values"
        case let .invalidCoefficients(reason): "invalid coefficients: \(reason)"
        case let .lambdaNeedsTwoModels(models):
            "a single lambda weighs the second of two models, but there are \(models); "
                + "give one weight per model instead"
        case let .negativeEta(eta):
            "eta \(eta) is negative (moves away from the merge) and negative eta is not allowed"
        case let .outputCount(etas, outputs): "\(etas) eta values but \(outputs) outputs"
        case let .invalidOutputDType(d): "output dtype \(d.rawValue) cannot hold merged floats"
        case let .unknownMethod(name):
            "unknown merge method '\(name)' (known: "
                + MergeMethods.all.map { $0.id.rawValue }.joined(separator: ", ") + ")"
        case let .invalidPart(index, count):
            "part \(index)/\(count) does not exist (parts are 1/n … n/n with n ≥ 1)"
        case let .nonFiniteOutput(t, eta, count, dtype):
            "merged tensor '\(t)' at eta \(eta) has \(count) nan or infinite "
                + "value\(count == 1 ? "" : "s") in \(dtype.rawValue) though the inputs are finite "
                + "(the coefficients or eta overflow it)"
        case let .mixedArchitectures(files, archs):
            "models of different architectures: "
                + zip(files, archs).map { "\($0) is \($1)" }.joined(separator: ", ")
        case let .tokenizerMismatch(difference): "tokenizers differ: \(difference)"
        }
    }
}
