import Dispatch
import Foundation
import SafeTensors
import Testing

@testable import Merging

/// `MergePartition` and `plan.part`: every item in exactly one part, balanced bytes, and the
/// parts' tensors byte for byte those of the unsplit merge.
@Suite struct PartitionTests {
    static func family(extraCopy: Bool = true) -> (InMemoryStore, [InMemoryStore]) {
        let family = Family(specs: Family.llamaLike, models: 3, scale: 0.02, seed: 7)
        let base = family.initStore(.bf16)
        let models = family.modelStores(.bf16)
        if extraCopy {
            for s in [base] + models {
                s.set(
                    TensorInfo(name: "model.layers.0.attn.bias_mask", dtype: .i64, shape: [3]),
                    bytes: [UInt8](repeating: 1, count: 24))
            }
        }
        return (base, models)
    }

    @Test(arguments: [1, 2, 3, 7, 20])
    func everyItemBelongsToOnePartInOrderAndPartsAreBalanced(count: Int) throws {
        let (base, models) = Self.family()
        let stores: [any TensorStore] = [base] + models
        let layout = try MergeLayout(stores: stores, granularity: .tensor, outputDType: nil)
        let p = MergePartition(layout: layout, stores: stores, count: count)
        #expect(p.assignment.count == layout.items.count)
        #expect(zip(p.assignment, p.assignment.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(p.assignment.allSatisfy { (0..<count).contains($0) })
        let total = p.itemBytes.reduce(0, +)
        let largest = p.itemBytes.max() ?? 0
        for part in 1...count {
            // each share is within one item of T/n (the midpoint rule)
            #expect(abs(p.bytes(of: part) * count - total) <= largest * count)
        }
        // the parts' output tensors, in part order, are the whole layout's
        let names = p.outputTensorsByPart().flatMap { $0.map(\.name) }
        #expect(names == layout.outputTensors.map(\.name))
        // the same assignment from the same headers
        #expect(
            MergePartition(layout: layout, stores: stores, count: count).assignment
                == p.assignment)
    }

    @Test func midpointRuleOnKnownBytes() throws {
        // four tensors of 100, 100, 100, 700 bytes per input (f32, one input): T = 1000
        let store = InMemoryStore(label: "one")
        for (k, n) in [25, 25, 25, 175].enumerated() {
            store.set(
                "model.layers.\(k).w", shape: [n], floats: [Float](repeating: 1, count: n),
                dtype: .f32)
        }
        let layout = try MergeLayout(stores: [store], granularity: .layer, outputDType: nil)
        // midpoints 50, 150, 250, 650 of 1000: two parts → 0, 0, 0, 1; four → 0, 0, 1, 2
        #expect(
            MergePartition(layout: layout, stores: [store], count: 2).assignment
                == [0, 0, 0, 1])
        #expect(
            MergePartition(layout: layout, stores: [store], count: 4).assignment
                == [0, 0, 1, 2])
    }

    @Test(arguments: [1, 2, 3, 7])
    func partsMergedInMemoryEqualTheWholeMerge(count: Int) throws {
        let (base, models) = Self.family()
        var plan = MergePlan(method: .slerp, etas: [0.3, 1, 1.5], threads: 2)
        let whole = try MergeEngine.runInMemory(plan, init: base, models: models)
        var merged: [String: [UInt8]] = [:]
        var groups: [MergeReport.Group] = []
        for i in 1...count {
            plan.part = MergePart(index: i, count: count)
            let part = try MergeEngine.runInMemory(plan, init: base, models: models)
            groups += part.report.groups
            for (k, store) in part.outputs.enumerated() {
                for t in store.tensors { merged["\(k) \(t.name)"] = try store.bytes(of: t.name) }
            }
        }
        var expected: [String: [UInt8]] = [:]
        for (k, store) in whole.outputs.enumerated() {
            for t in store.tensors { expected["\(k) \(t.name)"] = try store.bytes(of: t.name) }
        }
        #expect(merged == expected)
        #expect(groups.map(\.name) == whole.report.groups.map(\.name))
        #expect(groups == whole.report.groups)  // same angles, coefficients, norms
    }

    /// A part that fails (NaN in one of its groups) leaves no marker and no file: the set is
    /// incomplete until the part succeeds, and never assembled from what it half wrote.
    @Test func aFailedPartLeavesNothingTakenAsFinished() throws {
        let (base, models) = Self.family(extraCopy: false)
        let info = try #require(models[1].info("lm_head.weight"))  // the last group: part 2/2
        var bad = try models[1].bytes(of: "lm_head.weight")
        bad.replaceSubrange(0..<2, with: [0xc0, 0x7f])  // bf16 NaN
        models[1].set(info, bytes: bad)
        let dir = NSTemporaryDirectory() + "parts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        func part(_ i: Int) throws {
            let plan = MergePlan(method: .slerp, part: MergePart(index: i, count: 2))
            let recipe = MergeRecipe(plan: plan, models: ["a", "b", "c"], initial: "i", eta: nil)
            _ = try MergeEngine.prepare(plan, init: base, models: models).runPart(
                PartOutput(
                    out: out, directories: [""], recipes: [recipe], inputs: [], auxiliaryFrom: nil,
                    shardSize: nil, compress: false, force: false))
        }
        let error = #expect(throws: MergeError.self) { try part(2) }
        guard case .nonFinite(tensor: "lm_head.weight", file: _)? = error else {
            Issue.record("expected nonFinite for lm_head.weight, got \(String(describing: error))")
            return
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/.out.parts") == [])
        try part(1)
        #expect(throws: SafeTensorsError.partsMissing(path: out, missing: [2], count: 2)) {
            try PartCommit.assemble(out: out)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// Parts running at the same time into one OUT (threads here, nodes on a cluster): exactly
    /// one assembles, and OUT holds the unsplit merge's tensors.
    @Test func concurrentPartsAssembleOnce() throws {
        let (base, models) = Self.family()
        let dir = NSTemporaryDirectory() + "parts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let count = 3
        let plan = MergePlan(method: .slerp, etas: [0.5, 1], threads: 1)
        let recipes = plan.etas.map {
            MergeRecipe(plan: plan, models: ["a", "b", "c"], initial: "i", eta: $0)
        }
        let output = PartOutput(
            out: dir + "/out", directories: ["eta-0.5", "eta-1"], recipes: recipes, inputs: [],
            auxiliaryFrom: nil, shardSize: 2000, compress: false, force: false)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var assembled = 0
            var errors: [String] = []
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: count) { i in
            var p = plan
            p.part = MergePart(index: i + 1, count: count)
            do {
                let r = try MergeEngine.prepare(p, init: base, models: models).runPart(output)
                results.lock.withLock { results.assembled += r.assembly == nil ? 0 : 1 }
            } catch {
                results.lock.withLock { results.errors.append("\(error)") }
            }
        }
        #expect(results.errors == [])
        #expect(results.assembled == 1)
        let whole = try MergeEngine.runInMemory(plan, init: base, models: models).outputs
        for (k, sub) in ["eta-0.5", "eta-1"].enumerated() {
            let store = try Checkpoint.open(dir + "/out/" + sub)
            #expect(store.tensors.count == whole[k].tensors.count)
            for t in whole[k].tensors {
                #expect(try store.bytes(of: t.name) == whole[k].bytes(of: t.name))
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/.out.parts"))
    }

    @Test(arguments: [(0, 3), (4, 3), (1, 0), (-1, 2)])
    func rejectsPartsOutsideTheRange(index: Int, count: Int) throws {
        let (base, models) = Self.family()
        let plan = MergePlan(method: .slerp, part: MergePart(index: index, count: count))
        #expect(throws: MergeError.invalidPart(index: index, count: count)) {
            try MergeEngine.prepare(plan, init: base, models: models)
        }
    }

    @Test func parsesPartText() {
        #expect(MergePart("2/7") == MergePart(index: 2, count: 7))
        #expect(MergePart("2") == nil)
        #expect(MergePart("a/7") == nil)
        #expect(MergePart("1/2/3") == nil)
    }

    @Test func fileNamesAreGlobalAndSkipEmptyParts() {
        let t = { (name: String, n: Int) in TensorInfo(name: name, dtype: .u8, shape: [n]) }
        let byPart = [[t("a", 60), t("b", 60)], [], [t("c", 10)]]
        let files = PartCommit.files(tensorsByPart: byPart, shardSize: 100, compress: false)
        #expect(
            files.map { $0.map(\.name) } == [
                ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors"], [],
                ["model-00003-of-00003.safetensors"],
            ])
        let one = PartCommit.files(
            tensorsByPart: [[], [t("a", 1)]], shardSize: nil, compress: true)
        #expect(one.map { $0.map(\.name) } == [[], ["model.safetensors.zst"]])
    }
}
