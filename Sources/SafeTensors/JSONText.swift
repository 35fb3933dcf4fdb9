/// Writing JSON text by hand (headers, reports): the one string-literal encoder of the project.
public enum JSONText {
    /// A JSON string literal: quotes, backslashes and control characters escaped, every other
    /// Unicode scalar kept as it is (no normalisation, so names round-trip byte for byte).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
