/// The element types of the safetensors format, spelled exactly as in a file's header.
///
/// Sizes are in bits because the format has sub-byte types (F4 is 4 bits, F6_* are 6 bits);
/// a tensor's byte length is `ceil(elements × bits / 8)`.
public enum DType: String, CaseIterable, Sendable, Hashable, Codable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case u16 = "U16"
    case i16 = "I16"
    case u32 = "U32"
    case i32 = "I32"
    case u64 = "U64"
    case i64 = "I64"
    case f16 = "F16"
    case bf16 = "BF16"
    case f32 = "F32"
    case f64 = "F64"
    case f8e4m3 = "F8_E4M3"
    case f8e5m2 = "F8_E5M2"
    case f8e4m3fnuz = "F8_E4M3FNUZ"
    case f8e5m2fnuz = "F8_E5M2FNUZ"
    case f8e8m0 = "F8_E8M0"
    case f4 = "F4"
    case f6e2m3 = "F6_E2M3"
    case f6e3m2 = "F6_E3M2"
    case c64 = "C64"

    /// Bits per element.
    public var bits: Int {
        switch self {
        case .bool, .u8, .i8, .f8e4m3, .f8e5m2, .f8e4m3fnuz, .f8e5m2fnuz, .f8e8m0: 8
        case .u16, .i16, .f16, .bf16: 16
        case .u32, .i32, .f32: 32
        case .u64, .i64, .f64, .c64: 64
        case .f4: 4
        case .f6e2m3, .f6e3m2: 6
        }
    }

    /// Bytes per element for byte-addressable types; `nil` for sub-byte types.
    public var byteSize: Int? { bits % 8 == 0 ? bits / 8 : nil }

    /// Whether values of this type can be read into and written from `Float`
    /// (the types a merge or conversion works on).
    public var isConvertibleFloat: Bool {
        switch self {
        case .f16, .bf16, .f32, .f64, .f8e4m3, .f8e5m2, .f8e4m3fnuz, .f8e5m2fnuz: true
        default: false
        }
    }

    /// Whether the type is a real floating-point type at all (including ones we only copy).
    public var isFloatingPoint: Bool {
        switch self {
        case .f16, .bf16, .f32, .f64, .f8e4m3, .f8e5m2, .f8e4m3fnuz, .f8e5m2fnuz, .f8e8m0, .f4,
            .f6e2m3, .f6e3m2:
            true
        default: false
        }
    }

    /// Byte length of `elements` values, or `nil` on overflow.
    public func byteCount(elements: Int) -> Int? {
        let (bitCount, overflow) = elements.multipliedReportingOverflow(by: bits)
        if overflow || elements < 0 { return nil }
        return (bitCount + 7) / 8
    }

    /// Parses a user-facing name such as `bf16`, `float32` or `F32`.
    public init?(userName: String) {
        switch userName.lowercased() {
        case "bf16", "bfloat16": self = .bf16
        case "f16", "fp16", "float16", "half": self = .f16
        case "f32", "fp32", "float32", "float": self = .f32
        case "f64", "fp64", "float64", "double": self = .f64
        default:
            guard let d = DType(rawValue: userName.uppercased()) else { return nil }
            self = d
        }
    }
}
