import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes a training or evaluation configuration allocates, computed from the sizes alone
/// (in `Double`, so absurd sizes give a huge number instead of an overflow), to refuse a
/// configuration the machine cannot hold before anything is allocated.
///
/// Counted in floats (4 bytes), from the buffers the code allocates, with C = dModel,
/// L = layers, NH = heads, V = vocabSize, T = context, B = batch rows:
///
///     P (parameters)      = V·C + T·C + L·(12C² + 13C) + 2C          (ParameterLayout)
///     workspace, forward  = B·T·(2C + 2 + 2V + 1) + L·B·T·(18C + 4) + L·B·NH·T²
///     workspace, backward = P + B·T·(V + 15C) + T²                   (GPTWorkspace)
///     sampler             = L·B·T·3C + B·(14C + 2 + V) + V + NH·T + V·C (GPTSampler)
///     Adam                = 3P (m, v, decay mask)                    (AdamW)
///
/// A REINFORCE run holds 4 models (the loaded init, the policy, the anchor, the SFT
/// reference), Adam, one training and two forward workspaces and a sampler; SFT holds 2
/// models (one staged for the checkpoint), Adam and one training workspace; evaluation holds
/// 2 models, two forward workspaces and a sampler. Swift and system overhead are not counted.
public struct MemoryEstimate: Sendable, Equatable {
    /// Estimated bytes.
    public let bytes: Double
    /// What drives it, for the error line, e.g. "batch 100000 × context 32, d-model 64, …".
    public let detail: String

    /// Parameters of `config`, P above.
    public static func parameters(_ config: GPTConfig) -> Double {
        let c = Double(config.dModel), v = Double(config.vocabSize)
        let t = Double(config.context), l = Double(config.layers)
        return v * c + t * c + l * (12 * c * c + 13 * c) + 2 * c
    }

    /// Floats of one `GPTWorkspace` of `rows` rows of `length` tokens.
    public static func workspace(_ config: GPTConfig, rows: Int, length: Int, training: Bool)
        -> Double
    {
        let c = Double(config.dModel), v = Double(config.vocabSize)
        let l = Double(config.layers), nh = Double(config.heads)
        let t = Double(min(length, config.context)), bt = Double(rows) * t
        var floats =
            bt * (2 * c + 3 + 2 * v) + l * bt * (18 * c + 4) + l * Double(rows) * nh * t * t
        if training { floats += parameters(config) + bt * (v + 15 * c) + t * t + l * bt * 4 * c }
        return floats
    }

    /// Floats of one `GPTSampler` of `rows` rows.
    public static func sampler(_ config: GPTConfig, rows: Int) -> Double {
        let c = Double(config.dModel), v = Double(config.vocabSize)
        let l = Double(config.layers), t = Double(config.context), b = Double(rows)
        let nh = Double(config.heads)
        return l * b * t * 3 * c + b * (14 * c + 2 + v) + v + nh * t + v * c
    }

    /// A REINFORCE run (`train rl`, one run of `warp`) with `batch` completions per step.
    public static func reinforce(_ config: GPTConfig, batch: Int) -> MemoryEstimate {
        let p = parameters(config)
        let floats =
            4 * p + 3 * p
            + workspace(config, rows: batch, length: config.context, training: true)
            + 2 * workspace(config, rows: batch, length: config.context, training: false)
            + sampler(config, rows: batch)
        return MemoryEstimate(bytes: 4 * floats, detail: describe(config, batch: batch))
    }

    /// Supervised training with `batch` sequences per step.
    public static func sft(_ config: GPTConfig, batch: Int) -> MemoryEstimate {
        let p = parameters(config)
        let floats =
            2 * p + 3 * p
            + workspace(config, rows: batch, length: config.context, training: true)
        return MemoryEstimate(bytes: 4 * floats, detail: describe(config, batch: batch))
    }

    /// Evaluation with `batch` completions sampled at once, of `prompts` held-out prompts with
    /// `samples` completions each (about 128 bytes per prompt and 64 per completion for the
    /// prompt arrays and the per-row statistics).
    public static func evaluation(
        _ config: GPTConfig, batch: Int, prompts: Int = 0, samples: Int = 1
    ) -> MemoryEstimate {
        let floats =
            2 * parameters(config)
            + 2 * workspace(config, rows: batch, length: config.context, training: false)
            + sampler(config, rows: batch)
        let rows = Double(prompts) * Double(samples)
        var detail = describe(config, batch: batch)
        if prompts > 0 { detail = "\(prompts) prompts × \(samples) samples, " + detail }
        return MemoryEstimate(
            bytes: 4 * floats + 128 * Double(prompts) + 64 * rows, detail: detail)
    }

    /// `copies` of this estimate at once (runs trained in parallel).
    public func times(_ copies: Int) -> MemoryEstimate {
        MemoryEstimate(
            bytes: bytes * Double(copies),
            detail: copies == 1 ? detail : "\(copies) runs at once × " + detail)
    }

    /// Throws `ReinforceError.notEnoughMemory` naming `what` when the estimate exceeds
    /// `available` bytes (default: `machineBytes`).
    public func check(_ what: String, available: Double? = nil) throws {
        let limit = available ?? Self.machineBytes
        guard bytes <= limit else {
            throw ReinforceError.notEnoughMemory(
                what: what, needed: bytes, available: limit, detail: detail)
        }
    }

    /// Physical memory (`sysconf(_SC_PHYS_PAGES) · _SC_PAGESIZE`), lowered to the cgroup
    /// limit (`/sys/fs/cgroup/memory.max`) when one is set.
    public static var machineBytes: Double {
        let pages = Double(sysconf(Int32(_SC_PHYS_PAGES)))
        let size = Double(sysconf(Int32(_SC_PAGESIZE)))
        var bytes = pages > 0 && size > 0 ? pages * size : .infinity
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
            let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0
        {
            bytes = min(bytes, limit)
        }
        return bytes
    }

    private static func describe(_ config: GPTConfig, batch: Int) -> String {
        "batch \(batch) × context \(config.context), d-model \(config.dModel), "
            + "\(config.layers) layers, \(config.heads) heads, vocabulary \(config.vocabSize): "
            + "\(parameterText(parameters(config))) parameters"
    }

    private static func parameterText(_ p: Double) -> String {
        p >= 1e9
            ? String(format: "%.1fG", p / 1e9)
            : p >= 1e6 ? String(format: "%.1fM", p / 1e6) : String(format: "%.0f", p)
    }
}

extension MemoryEstimate {
    /// Both held at once; the detail is the larger one's (what drives the total).
    public static func + (a: MemoryEstimate, b: MemoryEstimate) -> MemoryEstimate {
        MemoryEstimate(bytes: a.bytes + b.bytes, detail: b.bytes > a.bytes ? b.detail : a.detail)
    }
}
