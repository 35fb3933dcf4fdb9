import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import Merging

/// `ChunkedInputs.releaseBehind`: the pages a pass has finished with are dropped in batches by
/// the coordinating thread, every input's, in whole huge pages.
@Suite(.enabled(if: PageTables.available, "needs /proc/self/pagemap"))
struct ReleaseBehindTests {
    /// 3 Mi bf16 elements (6 MiB) in each of two files.
    static let n = 3 << 20

    static func stores(in dir: String) throws -> [SafeTensorsFile] {
        try (0..<2).map { k in
            let path = "\(dir)/m\(k).safetensors"
            let header = #"{"w":{"dtype":"BF16","shape":[\#(n)],"data_offsets":[0,\#(2 * n)]}}"#
            Fixture.write(
                Fixture.safetensors(header: header, dataBytes: 2 * n, fill: 0x3f), to: path)
            return try SafeTensorsFile(path: path)
        }
    }

    /// Whether each input's tensor pages are mapped, per input.
    static func mapped(_ stores: [SafeTensorsFile]) throws -> [[Bool]] {
        try stores.map { store in
            let handle = try #require(store.handle("w"))
            let bytes = try #require(handle.mappedBytes(0..<handle.byteCount))
            // whole pages inside the tensor (its first page also holds the header)
            let start =
                (Int(bitPattern: bytes.baseAddress!) / PageTables.pageSize + 1)
                * PageTables.pageSize
            let pages =
                (Int(bitPattern: bytes.baseAddress!) + bytes.count - start)
                / PageTables.pageSize
            return PageTables.mapped(UnsafeRawPointer(bitPattern: start)!, pages: pages)
        }
    }

    @Test func smallStepsWaitForABatchAndTheEndDropsEverything() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let stores = try Self.stores(in: dir)
        let inputs = ChunkedInputs(stores: stores)
        var sum = 0.0
        try inputs.forEachChunk(of: "w", release: false) { chunk in
            for i in 0..<2 where chunk.isFinite(input: i, element: chunk.count - 1) { sum += 1 }
        }
        #expect(sum == Double(2 * (Self.n / ChunkedInputs.defaultChunkElements)))
        #expect(try Self.mapped(stores).allSatisfy { $0.allSatisfy { $0 } })

        // 2 × 2 MiB read since the last release: under a batch, nothing is dropped
        var from = 0
        try inputs.releaseBehind("w", from: &from, to: 1 << 20)
        #expect(from == 0)
        #expect(try Self.mapped(stores).allSatisfy { $0.allSatisfy { $0 } })

        // the tensor's end: every input's pages go, whatever the batch
        try inputs.releaseBehind("w", from: &from, to: Self.n)
        #expect(from == Self.n)
        for (k, pages) in try Self.mapped(stores).enumerated() {
            #expect(pages.allSatisfy { !$0 }, "input \(k): \(pages.filter { $0 }.count) left")
        }
    }
}
