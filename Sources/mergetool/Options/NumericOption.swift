import ArgumentParser
import Foundation

/// The one check of numeric flags (lr, β, μ, temperature, length penalty, timeouts, counts):
/// finite, then in range, each failure a `ValidationError` naming the flag and the value.
enum NumericOption {
    /// - Parameters:
    ///   - positive: the value must be > 0.
    ///   - atLeast: the value must be ≥ this.
    ///   - range: the value must lie in it.
    static func check<T: BinaryFloatingPoint>(
        _ value: T, _ flag: String, positive: Bool = false, atLeast minimum: T? = nil,
        in range: ClosedRange<T>? = nil
    ) throws {
        let text = Self.text(value)
        guard value.isFinite else {
            throw ValidationError("\(flag) must be a finite number, got \(text)")
        }
        if positive, !(value > 0) {
            throw ValidationError("\(flag) must be positive, got \(text)")
        }
        if let minimum, !(value >= minimum) {
            throw ValidationError("\(flag) must be ≥ \(Self.text(minimum)), got \(text)")
        }
        if let range, !range.contains(value) {
            throw ValidationError(
                "\(flag) must be in [\(Self.text(range.lowerBound)), "
                    + "\(Self.text(range.upperBound))], got \(text)")
        }
    }

    /// `%g` of the value: 0.1 prints as 0.1 whether it came as a Float or a Double.
    static func text<T: BinaryFloatingPoint>(_ value: T) -> String {
        String(format: "%g", Double(value))
    }

    /// An integer flag: at least `minimum`, and at most `maximum` when given.
    static func check(
        _ value: Int, _ flag: String, atLeast minimum: Int, atMost maximum: Int? = nil
    )
        throws
    {
        if let maximum, !(minimum...maximum).contains(value) {
            throw ValidationError("\(flag) must be in \(minimum)…\(maximum), got \(value)")
        }
        if value < minimum {
            throw ValidationError("\(flag) must be at least \(minimum), got \(value)")
        }
    }
}
