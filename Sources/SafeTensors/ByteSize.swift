/// Byte sizes as people write them: `500MB`, `5GB`, `4GiB`, `1.5GB`, `123` (plain bytes).
///
/// Decimal units (k/KB = 10³, MB = 10⁶, GB = 10⁹, TB = 10¹²) and binary units (KiB = 2¹⁰,
/// MiB = 2²⁰, GiB = 2³⁰, TiB = 2⁴⁰); units are case-insensitive and may follow a space.
/// A fractional number needs a unit; the result is rounded down to whole bytes.
public enum ByteSize {
    /// - Throws: `SafeTensorsError.invalidSize` for junk, zero, negative or overflowing sizes.
    public static func parse(_ text: String) throws -> Int {
        let trimmed = text.trimmingSpaces
        let digitsEnd =
            trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            ?? trimmed.endIndex
        let number = String(trimmed[..<digitsEnd])
        let unit = String(trimmed[digitsEnd...]).trimmingSpaces.lowercased()
        let scales: [String: Int] = [
            "": 1, "b": 1, "k": 1_000, "kb": 1_000, "m": 1_000_000, "mb": 1_000_000,
            "g": 1_000_000_000, "gb": 1_000_000_000, "t": 1_000_000_000_000,
            "tb": 1_000_000_000_000, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
        ]
        guard let scale = scales[unit], !number.isEmpty,
            number.filter({ $0 == "." }).count <= 1, number.first != ".", number.last != "."
        else {
            throw SafeTensorsError.invalidSize(text: text)
        }
        if scale == 1 {
            guard !number.contains("."), let n = Int(number), n > 0 else {
                throw SafeTensorsError.invalidSize(text: text)
            }
            return n
        }
        // Exact decimal arithmetic: whole × scale + fraction × scale / 10^digits.
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1].prefix(12)) : ""
        guard let whole = Int(parts[0]), let frac = fraction.isEmpty ? 0 : Int(fraction) else {
            throw SafeTensorsError.invalidSize(text: text)
        }
        var power = 1
        for _ in 0..<fraction.count { power *= 10 }
        let (w, o1) = whole.multipliedReportingOverflow(by: scale)
        let (f, o2) = frac.multipliedReportingOverflow(by: scale)
        let (bytes, o3) = w.addingReportingOverflow(f / power)
        guard !o1, !o2, !o3, bytes >= 1 else { throw SafeTensorsError.invalidSize(text: text) }
        return bytes
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
