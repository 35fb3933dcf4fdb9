import Foundation
import SafeTensors
import Testing

@testable import Merging

/// The statistics pass SLERP and `angles` share: its schedule, its reference values, its
/// independence from the thread count, and its non-finite check.
@Suite struct GramPassTests {
    /// A base and three models, f32, with tensor "w" spanning several blocks of small chunks.
    static let chunk = 37
    static let n = chunk * GramPass.chunksPerBlock * 3 + 123
    static func stores() -> [InMemoryStore] {
        var family = Family(specs: [("w", [n])], models: 3, scale: 0.05, seed: 9)
        family.roundValues(to: .f32)
        return [family.initStore()] + family.modelStores()
    }

    @Test(arguments: [1, 2, 3, 5])
    func sumsMatchTheChunkOrderScheduleForAnyThreadCount(threads: Int) throws {
        let stores = Self.stores()
        let info = try #require(stores[0].info("w"))
        let pass = GramPass(
            stores: stores, hasBase: true, threads: threads, chunkElements: Self.chunk)
        let sums = try pass.sums(of: info)
        // The schedule written out: each chunk's sums from zero, added in chunk order.
        var expected = PairSums(models: 3, hasBase: true)
        try ChunkedInputs(stores: stores, chunkElements: Self.chunk).forEachChunk(of: "w") {
            var one = PairSums(models: 3, hasBase: true)
            one.add($0)
            expected.add(one)
        }
        expected.symmetrise()
        #expect(sums == expected)
    }

    @Test func sumsMatchADoubleReference() throws {
        let stores = Self.stores()
        let values = try stores.map { try $0.floats(of: "w").map(Double.init) }
        let sums = try GramPass(
            stores: stores, hasBase: true, threads: 2, chunkElements: Self.chunk
        )
        .sums(of: try #require(stores[0].info("w")))
        for i in 0..<3 {
            for j in 0..<3 {
                var task = 0.0, weight = 0.0, distance = 0.0
                for k in 0..<Self.n {
                    let (b, x, y) = (values[0][k], values[i + 1][k], values[j + 1][k])
                    task += (x - b) * (y - b)
                    weight += x * y
                    distance += (x - y) * (x - y)
                }
                #expect(abs(sums.task[i * 3 + j] - task) <= 1e-12 * abs(task) + 1e-300)
                #expect(abs(sums.weight[i * 3 + j] - weight) <= 1e-12 * abs(weight))
                #expect(abs(sums.distance[i * 3 + j] - distance) <= 1e-12 * abs(distance) + 1e-300)
            }
        }
    }

    @Test func onlyTheAskedSumsAreAccumulated() throws {
        let stores = Self.stores()
        let info = try #require(stores[0].info("w"))
        let all = try GramPass(stores: stores, hasBase: true, threads: 2, chunkElements: Self.chunk)
            .sums(of: info)
        let task = try GramPass(
            stores: stores, hasBase: true, threads: 2, sums: .task, chunkElements: Self.chunk
        ).sums(of: info)
        #expect(task.task == all.task)
        #expect(task.weight.allSatisfy { $0 == 0 } && task.distance.allSatisfy { $0 == 0 })
    }

    @Test(arguments: [0, 2])
    func nonFiniteNamesTheFile(input: Int) throws {
        let stores = Self.stores()
        var v = try stores[input].floats(of: "w")
        v[Self.n - 5] = .nan
        stores[input].set("w", shape: [Self.n], floats: v)
        let pass = GramPass(stores: stores, hasBase: true, threads: 2, chunkElements: Self.chunk)
        #expect(throws: MergeError.nonFinite(tensor: "w", file: stores[input].label)) {
            try pass.sums(of: try #require(stores[0].info("w")))
        }
    }

    /// The merge's statistics pass is this pass: a SLERP report's Gram matrix (norms and cos)
    /// equals the one computed here with the merge's chunk size.
    @Test func slerpReportsTheGramPassGeometry() throws {
        let stores = Self.stores()
        let report = try MergeEngine.runInMemory(
            MergePlan(method: .slerp, granularity: .model), init: stores[0],
            models: Array(stores[1...])
        ).report
        let sums = try GramPass(stores: stores, hasBase: true, threads: 1)
            .sums(of: try #require(stores[0].info("w")))
        let geometry = GramStats(count: 3, gram: sums.task)
        #expect(report.groups[0].norms == geometry.norms)
        #expect(report.groups[0].cosine12 == geometry.cos(0, 1))
        #expect(report.groups[0].steps[0].omega == geometry.angle(0, 1))
    }
}
