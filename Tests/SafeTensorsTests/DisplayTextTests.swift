import TestSupport
import Testing

@testable import SafeTensors

/// Control characters from tensor names reach the terminal escaped, never raw.
@Suite struct DisplayTextTests {
    @Test(arguments: [
        ("plain.weight", "plain.weight"),
        ("héllo.名前", "héllo.名前"),
        ("a\u{1b}[31mb\u{07}", "a\\x1b[31mb\\x07"),
        ("nl\nx\r\t", "nl\\x0ax\\x0d\\x09"),
        ("del\u{7f}", "del\\x7f"),
        ("\u{0}", "\\x00"),
        ("csi\u{9b}2J", "csi\\u{9b}2J"),
        ("rlo\u{202e}gpj.exe", "rlo\\u{202e}gpj.exe"),
        ("ls\u{2028}", "ls\\u{2028}"),
        ("iso\u{2066}", "iso\\u{2066}"),
    ])
    func escapes(_ raw: String, _ shown: String) {
        #expect(DisplayText.escaped(raw) == shown)
    }

    @Test func errorDescriptionsEscapeNamesAndPaths() {
        let e = SafeTensorsError.unknownTensor(name: "w\u{1b}]0;pwned\u{07}", file: "f\u{1b}")
        #expect(e.description == "f\\x1b: no tensor named 'w\\x1b]0;pwned\\x07'")
        #expect(!e.description.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func readerErrorKeepsTheExactNameInTheCase() throws {
        let header = "{\"w\\u001b\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}"
        let file = Fixture.safetensors(header: header, dataBytes: 1)
        #expect(
            throws: SafeTensorsError.unknownDType(
                file: "f.safetensors", tensor: "w\u{1b}", dtype: "Q8")
        ) { try Fixture.parse(file) }
        let message = SafeTensorsError.unknownDType(
            file: "f.safetensors", tensor: "w\u{1b}", dtype: "Q8"
        ).description
        #expect(message == "f.safetensors: tensor 'w\\x1b' has unknown dtype 'Q8'")
    }
}
