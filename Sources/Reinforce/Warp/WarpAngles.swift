import Diagnostics
import Foundation
import Merging
import SafeTensors

/// The angles between the runs an iteration merges, as the in-process loop and the external
/// merge task both report them (`iteration-I/angles.txt|json`, and the mean cosines in the
/// iteration's record).
enum WarpAngles {
    /// The angles report of the merged runs (Diagnostics, per layer) and the whole-model mean
    /// pairwise cosines of task vectors δ_m = θ_m − θ_init and of full weights θ_m:
    ///
    ///     cos = mean over pairs (a < b) of ⟨x_a, x_b⟩ / (‖x_a‖·‖x_b‖)
    ///
    /// - Complexity: two Gram passes over the runs and the init (per layer, whole model);
    ///   memory: one chunk per input.
    static func analyse(models: [any TensorStore], initial: any TensorStore)
        throws -> (report: AngleReport, task: Double?, weight: Double?)
    {
        let report = try AngleAnalysis(granularity: .layer, threads: 1)
            .run(models: models, initial: initial)
        let whole = try AngleAnalysis(granularity: .model, threads: 1)
            .run(models: models, initial: initial)
        guard let g = whole.groups.first else { return (report, nil, nil) }
        let pairs = whole.pairs
        func mean(_ s: GramStats?) -> Double? {
            guard let s else { return nil }
            let c = pairs.compactMap { s.cos($0.0, $0.1) }
            return c.isEmpty ? nil : c.reduce(0, +) / Double(c.count)
        }
        return (report, mean(g.taskVectors), mean(g.weights))
    }
}

extension ExternalWarp {
    /// The angles of iteration `i`'s runs (from their checkpoints) written to
    /// `iteration-I/angles.txt|json`, as the in-process loop writes them.
    /// - Returns: the mean task-vector and full-weight cosines.
    func writeAngles(iteration i: Int) throws -> (task: Double?, weight: Double?) {
        let models = try (1...settings.runs).map {
            try Checkpoint.open(directory.runPolicy($0, iteration: i)) as any TensorStore
        }
        let angles = try WarpAngles.analyse(
            models: models, initial: try Checkpoint.open(initialPath(iteration: i)))
        try writeText(angles.report.table(), to: directory.anglesText(iteration: i))
        try writeText(angles.report.json(), to: directory.anglesJSON(iteration: i))
        return (angles.task, angles.weight)
    }
}
