import ArgumentParser
import Merging
import SafeTensors

/// `--granularity` and `angles --by`: `layer`, `tensor` or `model` (any case).
extension Granularity: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `train rl --anchor`: the KL anchor, the policy's own EMA (WARP) or the fixed SFT model.
enum AnchorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case ema, sft
}

/// `--reward`: `lexicon` (the built-in sentiment reward) or `external:COMMAND` (a process
/// scoring completions). Anything else is refused by the parser.
enum RewardChoice: ExpressibleByArgument, Equatable, Sendable {
    case lexicon
    case external(command: String)

    init?(argument: String) {
        if argument == "lexicon" {
            self = .lexicon
        } else if argument.hasPrefix("external:"),
            case let command = String(argument.dropFirst("external:".count)),
            command.contains(where: { $0 != " " && $0 != "\t" })
        {
            self = .external(command: command)
        } else {
            return nil
        }
    }

    /// The spec `RewardSpec.make` and the run settings take.
    var spec: String {
        switch self {
        case .lexicon: "lexicon"
        case .external(let command): "external:" + command
        }
    }

    var defaultValueDescription: String { spec }
    static var defaultCompletionKind: CompletionKind { .list(["lexicon", "external:"]) }
}

/// `--dtype`: an output dtype for floating-point tensors (bf16, f16, f32, f64; any case).
struct OutputDTypeChoice: ExpressibleByArgument, Equatable, Sendable {
    static let allowed: [DType] = [.bf16, .f16, .f32, .f64]
    var dtype: DType

    init?(argument: String) {
        guard let d = DType(userName: argument), Self.allowed.contains(d) else { return nil }
        dtype = d
    }

    static var defaultCompletionKind: CompletionKind { .list(["bf16", "f16", "f32", "f64"]) }
}
