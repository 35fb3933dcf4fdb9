import SafeTensors

/// How tensors share one SLERP angle Ω (and how diagnostics aggregate).
public enum Granularity: String, CaseIterable, Sendable, Codable {
    /// One angle per transformer block: all tensors of block N share Ω computed over their
    /// concatenation (the WARP paper's choice). Tensors outside blocks are their own group.
    case layer
    /// One angle per tensor.
    case tensor
    /// One angle for the whole model.
    case model
}

/// A set of tensors that share one angle, in storage order.
public struct TensorGroup: Sendable, Hashable {
    /// `model.layers.3` for a block, the tensor name for a lone tensor, `model` for the whole.
    public var name: String
    public var tensors: [TensorInfo]
    /// The block index for layer groups, else `nil`.
    public var blockIndex: Int?

    public init(name: String, tensors: [TensorInfo], blockIndex: Int? = nil) {
        self.name = name
        self.tensors = tensors
        self.blockIndex = blockIndex
    }
}

public enum Grouping {
    /// Names of the containers that hold numbered transformer blocks, as in
    /// `model.layers.N.`, `h.N.`, `transformer.h.N.`, `layers.N.`, `blocks.N.`, `encoder.layer.N.`.
    public static let blockContainers: Set<String> = ["layers", "h", "blocks", "layer", "block"]

    /// The block a tensor belongs to: its name prefix through the block number, and the number;
    /// `nil` for tensors outside numbered blocks (embeddings, final norm, head).
    public static func block(of name: String) -> (prefix: String, index: Int)? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        for i in 0..<(parts.count - 2) where blockContainers.contains(String(parts[i])) {
            let number = parts[i + 1]
            guard !number.isEmpty, number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let n = Int(number)
            else { continue }
            return (parts[0...(i + 1)].joined(separator: "."), n)
        }
        return nil
    }

    /// Splits `tensors` into groups at `granularity`. Groups are ordered by their first tensor's
    /// position in `tensors`; tensors inside a group keep their relative order.
    public static func groups(_ tensors: [TensorInfo], by granularity: Granularity) -> [TensorGroup]
    {
        switch granularity {
        case .model:
            return tensors.isEmpty ? [] : [TensorGroup(name: "model", tensors: tensors)]
        case .tensor:
            return tensors.map { TensorGroup(name: $0.name, tensors: [$0]) }
        case .layer:
            var groups: [TensorGroup] = []
            var slot: [ExactName: Int] = [:]
            for t in tensors {
                if let b = block(of: t.name) {
                    let key = ExactName(b.prefix)
                    if let i = slot[key] {
                        groups[i].tensors.append(t)
                    } else {
                        slot[key] = groups.count
                        groups.append(
                            TensorGroup(name: b.prefix, tensors: [t], blockIndex: b.index))
                    }
                } else {
                    groups.append(TensorGroup(name: t.name, tensors: [t]))
                }
            }
            return groups
        }
    }
}
