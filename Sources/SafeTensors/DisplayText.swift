/// Text from a checkpoint (tensor names, keys, paths) made safe to print on a terminal.
///
/// A tensor name is any JSON string, so it can hold ESC, BEL, a carriage return or a
/// right-to-left override that would move the cursor, ring the bell or reorder what the user
/// reads. `escaped` writes each such scalar as a visible escape and leaves the rest alone:
///
///     C0 controls and DEL (U+0000–U+001F, U+007F)  →  \x1b, \x07, \x0a, …
///     C1 controls (U+0080–U+009F)                  →  \u{9b}
///     line/paragraph separators, bidi controls     →  \u{2028}, \u{202e}, …
///       (U+2028–U+2029, U+202A–U+202E, U+2066–U+2069)
///
/// Ordinary names (ASCII or any printable Unicode) come back unchanged. Machine output
/// (`--json`) keeps exact names instead: `JSONText.quoted` escapes them the JSON way.
/// - Complexity: O(n) in the scalars of `text`.
public enum DisplayText {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for u in text.unicodeScalars {
            if !needsEscape(u) {
                out.unicodeScalars.append(u)
            } else if u.value < 0x80 {
                out += "\\x" + hex(u.value, digits: 2)
            } else {
                out += "\\u{" + hex(u.value, digits: 1) + "}"
            }
        }
        return out
    }

    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x00...0x1f, 0x7f...0x9f, 0x2028...0x202e, 0x2066...0x2069: true
        default: false
        }
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
