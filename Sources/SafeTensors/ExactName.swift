/// A tensor name compared and hashed by its UTF-8 bytes.
///
/// Swift's `String` equality is Unicode canonical equivalence ("é" == "e\u{301}"), but tensor
/// names are byte strings: two names that differ only in normalisation are different tensors.
/// Key every dictionary or set of tensor names by `ExactName`, never by `String`.
public struct ExactName: Hashable, Sendable, CustomStringConvertible {
    public let string: String

    public init(_ string: String) { self.string = string }

    public static func == (a: ExactName, b: ExactName) -> Bool {
        a.string.utf8.elementsEqual(b.string.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        for byte in string.utf8 { hasher.combine(byte) }
        hasher.combine(0xff as UInt8)  // terminator: no valid utf-8 byte is 0xff
    }

    public var description: String { string }
}

extension String {
    /// Byte-wise equality (no Unicode normalisation); see `ExactName`.
    @inlinable public func bytesEqual(_ other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
