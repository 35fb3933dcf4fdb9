extension Header {
    /// The header JSON, padded with spaces so that 8 + its length is a multiple of 8 (the data
    /// buffer then starts 8-byte aligned). `__metadata__` first, then tensors in storage order.
    public func serialisedJSON() -> [UInt8] {
        var s = "{"
        var first = true
        if !metadataPairs.isEmpty {
            s += "\"__metadata__\":{"
            s += metadataPairs.map { JSONText.quoted($0.key) + ":" + JSONText.quoted($0.value) }
                .joined(separator: ",")
            s += "}"
            first = false
        }
        for e in entries {
            if !first { s += "," }
            first = false
            s += JSONText.quoted(e.info.name)
            s += ":{\"dtype\":\"\(e.info.dtype.rawValue)\",\"shape\":["
            s += e.info.shape.map(String.init).joined(separator: ",")
            s += "],\"data_offsets\":[\(e.begin),\(e.end)]}"
        }
        s += "}"
        var bytes = Array(s.utf8)
        while bytes.count % 8 != 0 { bytes.append(0x20) }
        return bytes
    }

    /// Length prefix + JSON: everything before the data buffer.
    public func serialisedPrefix() -> [UInt8] {
        let json = serialisedJSON()
        var out = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        out.append(contentsOf: json)
        return out
    }

}
