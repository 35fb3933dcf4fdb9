import Foundation
import TestSupport
import Testing

@testable import SafeTensors

/// `MappedFile.releaseHugePages`: whole 2 MiB blocks of the address space, never part of one.
@Suite(.enabled(if: PageTables.available, "needs /proc/self/pagemap")) struct PageReleaseTests {
    static let size = 9 << 20 + 12_345

    /// A mapped file of `size` bytes with every page touched (mapped).
    static func touchedMapping(in dir: String) throws -> MappedFile {
        let path = dir + "/data.bin"
        Fixture.write([UInt8](repeating: 7, count: size), to: path)
        let file = try MappedFile(path: path)
        var sum = 0
        for k in stride(from: 0, to: size, by: pageSize) { sum &+= Int(file.bytes[k]) }
        #expect(sum == 7 * ((size + pageSize - 1) / pageSize))
        return file
    }

    /// The pages the test expects dropped, as file offsets: written out from the rule (the
    /// 2 MiB blocks of the address space from the one holding the first byte, up to the one
    /// holding the last byte, or through it), clipped to the mapping.
    static func expectedDropped(
        _ file: MappedFile, _ range: Range<Int>, throughLast: Bool
    ) -> Range<Int> {
        let base = Int(bitPattern: file.bytes.baseAddress!)
        let huge = 2 << 20
        let first = (base + range.lowerBound) / huge * huge
        let lastBlock = (base + range.upperBound - 1) / huge * huge
        let end = throughLast ? lastBlock + huge : lastBlock
        return max(0, first - base)..<min(file.bytes.count, end - base)
    }

    @Test(arguments: [false, true])
    func dropsWholeHugePagesAndKeepsTheOthers(throughLast: Bool) throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let file = try Self.touchedMapping(in: dir)
        let pages = (Self.size + pageSize - 1) / pageSize
        #expect(PageTables.mapped(file.bytes.baseAddress!, pages: pages).allSatisfy { $0 })
        let range = (3 << 20 + 5)..<(6 << 20 + 7)
        file.releaseHugePages(range, throughLast: throughLast)
        let dropped = Self.expectedDropped(file, range, throughLast: throughLast)
        #expect(dropped.count >= 2 << 20)  // at least one whole block either way
        let mapped = PageTables.mapped(file.bytes.baseAddress!, pages: pages)
        for page in 0..<pages {
            let inside = dropped.contains(page * pageSize)
            #expect(mapped[page] == !inside, "page \(page) (dropped range \(dropped))")
        }
    }

    @Test func theLastBlockOfTheFileIsDroppedThroughItsEnd() throws {
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        let file = try Self.touchedMapping(in: dir)
        let pages = (Self.size + pageSize - 1) / pageSize
        file.releaseHugePages(0..<Self.size, throughLast: true)
        #expect(PageTables.mapped(file.bytes.baseAddress!, pages: pages).allSatisfy { !$0 })
    }
}
