import Testing

@testable import SafeTensors
@testable import mergetool

/// `inspect` never prints a tensor name's control characters raw; `--json` keeps them exact.
@Suite struct InspectDisplayTests {
    static func store() -> InMemoryStore {
        let s = InMemoryStore(label: "fixture", metadata: [:])
        s.set("evil\u{1b}[2J\u{07}.weight", shape: [2], floats: [1, 2], dtype: .f32)
        return s
    }

    @Test func tableEscapesControlCharacters() {
        let table = InspectReport.table(Self.store(), hashes: nil)
        #expect(table.contains("evil\\x1b[2J\\x07.weight"))
        #expect(!table.unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\u{07}" })
    }

    @Test func jsonKeepsTheExactName() {
        let json = InspectReport.json(Self.store(), hashes: nil)
        #expect(json.contains(#""evil\u001b[2J\u0007.weight""#))
    }
}
