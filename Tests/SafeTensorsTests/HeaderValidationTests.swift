import TestSupport
import Testing

@testable import SafeTensors

/// One byte fixture per validation rule; each must throw its own typed error.
@Suite struct HeaderValidationTests {
    let f = "f.safetensors"
    static let ok = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    @Test func acceptsAValidFile() throws {
        let h = try Fixture.parse(Fixture.safetensors(header: Self.ok, dataBytes: 8))
        #expect(h.entries.map(\.info.name) == ["w"])
    }

    @Test func fileTooSmall() {
        #expect(throws: SafeTensorsError.fileTooSmall(file: f, size: 5)) {
            try Fixture.parse([1, 0, 0, 0, 0])
        }
    }

    @Test func headerTooLarge() {
        var file = withUnsafeBytes(of: UInt64(100_000_001).littleEndian) { Array($0) }
        file += [0x7b, 0x7d]
        #expect(
            throws: SafeTensorsError.headerTooLarge(
                file: f, length: 100_000_001, limit: 100_000_000)
        ) {
            try Fixture.parse(file)
        }
    }

    @Test func headerOutOfBounds() {
        var file = withUnsafeBytes(of: UInt64(50).littleEndian) { Array($0) }
        file += Array("{}".utf8)
        #expect(throws: SafeTensorsError.headerOutOfBounds(file: f, length: 50, fileSize: 10)) {
            try Fixture.parse(file)
        }
    }

    @Test func invalidUTF8() {
        let file = Fixture.safetensors(
            headerBytes: [0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d], data: [])
        #expect(throws: SafeTensorsError.invalidUTF8(file: f)) { try Fixture.parse(file) }
    }

    @Test(arguments: [
        #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},}"#,  // trailing comma
        #"{/*c*/"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,  // comment
        #"{"w":{"dtype":"F32","shape":[NaN],"data_offsets":[0,8]}}"#,  // NaN
        #"{"w":{"dtype":"F32","shape":[02],"data_offsets":[0,8]}}"#,  // leading zero
        #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x"#,  // trailing data
        #"{"w\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,  // lone surrogate
        "{\"w\t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",  // control char
        String(repeating: "[", count: 200) + String(repeating: "]", count: 200),  // too deep
    ])
    func invalidJSON(_ header: String) {
        #expect {
            try Fixture.parse(Fixture.safetensors(header: header, dataBytes: 8))
        } throws: { e in
            if case .invalidJSON = e as? SafeTensorsError { return true } else { return false }
        }
    }

    @Test func duplicateKeyAtTopLevel() {
        let h =
            #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(throws: SafeTensorsError.duplicateKey(file: f, key: "w")) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 8))
        }
    }

    @Test func duplicateKeyNested() {
        let h = #"{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        #expect(throws: SafeTensorsError.duplicateKey(file: f, key: "dtype")) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 8))
        }
    }

    @Test func headerNotObject() {
        #expect(throws: SafeTensorsError.headerNotObject(file: f)) {
            try Fixture.parse(Fixture.safetensors(header: "[1]", dataBytes: 0))
        }
    }

    @Test(arguments: [
        (#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, "missing 'dtype'"),
        (#"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, "missing 'shape'"),
        (#"{"w":{"dtype":"F32","shape":[2]}}"#, "missing 'data_offsets'"),
        (#"{"w":[1]}"#, "entry is not an object"),
        (#"{"w":{"dtype":7,"shape":[2],"data_offsets":[0,8]}}"#, "'dtype' is not a string"),
    ])
    func invalidEntry(_ header: String, _ reason: String) {
        #expect(throws: SafeTensorsError.invalidEntry(file: f, tensor: "w", reason: reason)) {
            try Fixture.parse(Fixture.safetensors(header: header, dataBytes: 8))
        }
    }

    @Test func unknownDType() {
        let h = #"{"w":{"dtype":"F128","shape":[2],"data_offsets":[0,8]}}"#
        #expect(throws: SafeTensorsError.unknownDType(file: f, tensor: "w", dtype: "F128")) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 8))
        }
    }

    @Test(arguments: [
        (#"[-2]"#, "dimension -2 is not an unsigned integer"),
        (#"[2.0]"#, "dimension 2.0 is not an unsigned integer"),
        (#"[18446744073709551616]"#, "dimension 18446744073709551616 does not fit in 64 bits"),
        (#"[4294967296,4294967296]"#, "element count overflows"),
        (#"[1152921504606846976]"#, "byte size overflows"),
        (#"["2"]"#, "dimension is not a number"),
        (#"3"#, "not an array"),
    ])
    func invalidShape(_ shape: String, _ reason: String) {
        let h = #"{"w":{"dtype":"F32","shape":"# + shape + #","data_offsets":[0,8]}}"#
        #expect(throws: SafeTensorsError.invalidShape(file: f, tensor: "w", reason: reason)) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 8))
        }
    }

    @Test func subByteShapeMustBeWholeBytes() {
        let h = #"{"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#
        #expect(
            throws: SafeTensorsError.invalidShape(
                file: f, tensor: "w", reason: "3 × 4 bits is not a whole number of bytes")
        ) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 2))
        }
        let ok = #"{"w":{"dtype":"F6_E2M3","shape":[4],"data_offsets":[0,3]}}"#
        #expect((try? Fixture.parse(Fixture.safetensors(header: ok, dataBytes: 3))) != nil)
    }

    @Test(arguments: [
        (#"[0]"#, "not an array of two integers"),
        (#"[8,0]"#, "end 0 is before begin 8"),
        (#"[0,-8]"#, "offset -8 is not an unsigned integer"),
    ])
    func invalidOffsets(_ offsets: String, _ reason: String) {
        let h = #"{"w":{"dtype":"U8","shape":[0],"data_offsets":"# + offsets + "}}"
        #expect(throws: SafeTensorsError.invalidOffsets(file: f, tensor: "w", reason: reason)) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 8))
        }
    }

    @Test func tensorBytesMustMatchShape() {
        let h = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        #expect(
            throws: SafeTensorsError.tensorBytes(file: f, tensor: "w", begin: 0, end: 8, needed: 12)
        ) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 8))
        }
    }

    @Test func overlap() {
        let h =
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(throws: SafeTensorsError.overlap(file: f, tensor: "b", other: "a", at: 4)) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 8))
        }
    }

    @Test func hole() {
        let h =
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(throws: SafeTensorsError.hole(file: f, tensor: "b", expected: 4, found: 8)) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 12))
        }
    }

    @Test func holeAtStart() {
        let h = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(throws: SafeTensorsError.hole(file: f, tensor: "a", expected: 0, found: 4)) {
            try Fixture.parse(Fixture.safetensors(header: h, dataBytes: 8))
        }
    }

    @Test func trailingBytes() {
        #expect(throws: SafeTensorsError.trailingBytes(file: f, count: 4)) {
            try Fixture.parse(Fixture.safetensors(header: Self.ok, dataBytes: 12))
        }
    }

    @Test func dataTooShort() {
        #expect(throws: SafeTensorsError.dataTooShort(file: f, needed: 8, available: 6)) {
            try Fixture.parse(Fixture.safetensors(header: Self.ok, dataBytes: 6))
        }
    }

    @Test(arguments: [
        (#"{"__metadata__":{"a":1}}"#, "value of 'a' is not a string"),
        (#"{"__metadata__":[]}"#, "not an object of strings"),
    ])
    func invalidMetadata(_ header: String, _ reason: String) {
        #expect(throws: SafeTensorsError.invalidMetadata(file: f, reason: reason)) {
            try Fixture.parse(Fixture.safetensors(header: header, dataBytes: 0))
        }
    }

    @Test func namesDifferingOnlyInNormalisationAreDistinct() throws {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301): equal as Swift Strings.
        let h =
            "{\"caf\u{e9}\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
            + "\"cafe\u{301}\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}"
        var file = Fixture.safetensors(header: h, dataBytes: 2)
        file[file.count - 1] = 9
        let header = try Fixture.parse(file)
        #expect(header.entries.count == 2)
        let dir = Fixture.tempDir()
        defer { Fixture.cleanup(dir) }
        Fixture.write(file, to: dir + "/u.safetensors")
        let st = try SafeTensorsFile(path: dir + "/u.safetensors")
        #expect(try st.bytes(of: "caf\u{e9}") == [0])
        #expect(try st.bytes(of: "cafe\u{301}") == [9])
        // They survive a write/read round trip as two tensors.
        try Fixture.writeCheckpoint(st, to: dir + "/v.safetensors")
        let back = try Checkpoint.open(dir + "/v.safetensors")
        #expect(try back.bytes(of: "cafe\u{301}") == [9])
        #expect(back.tensors.count == 2)
    }

    @Test func metadataNullIsEmpty() throws {
        let h = try Fixture.parse(
            Fixture.safetensors(header: #"{"__metadata__":null}"#, dataBytes: 0))
        #expect(h.metadataPairs.isEmpty)
    }
}
