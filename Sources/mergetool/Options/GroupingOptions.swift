import ArgumentParser
import Merging

/// `--granularity`: how tensors share one SLERP angle (slerp and lerp; LITI has no angle).
struct GroupingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "One SLERP angle per: layer (transformer block; the paper's choice), tensor, or model.",
            valueName: "layer|tensor|model"))
    var granularity: Granularity = .layer
}
