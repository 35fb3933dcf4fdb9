/// One effect measured on N independent seeds: its mean, standard error, sign count and the
/// verdict of the study's sign rule (issue 13).
///
///     mean = Σ xₛ / n,   s.e. = sqrt( Σ (xₛ − mean)² / (n − 1) ) / sqrt(n)
///     k    = #{ s : sign·xₛ > 0 }
///     reproduced      ⇔ k = n  and  sign·mean > 2·s.e.
///     not reproduced  ⇔ sign·mean ≤ 0  (or nothing measured)
///     mixed           otherwise (the claimed direction, but not every seed or within 2 s.e.)
///
/// `sign` is the direction the paper claims (+1: the effect is positive). Seeds where the
/// effect could not be measured (nil, e.g. no point at matched KL) are left out of n.
/// - Complexity: O(n).
public struct SeedAggregate: Codable, Sendable, Equatable {
    /// The study's verdict on one effect or observation.
    public enum Verdict: String, Codable, Sendable {
        case reproduced
        case mixed
        case notReproduced = "not reproduced"
        case notMeasured = "not measured"
    }

    /// The per-seed values (nil: not measurable on that seed).
    public var values: [Double?]
    /// The claimed sign: +1 or −1 (0: no claim, only reported).
    public var sign: Int

    public init(_ values: [Double?], sign: Int) {
        self.values = values
        self.sign = sign
    }

    /// The measured values.
    public var measured: [Double] { values.compactMap { $0 }.filter(\.isFinite) }
    /// n: seeds with a value.
    public var n: Int { measured.count }

    public var mean: Double? {
        n == 0 ? nil : measured.reduce(0, +) / Double(n)
    }

    /// Standard error of the mean (sample standard deviation / √n); nil below two seeds.
    public var standardError: Double? {
        guard let m = mean, n >= 2 else { return nil }
        let ss = measured.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return (ss / Double(n - 1)).squareRoot() / Double(n).squareRoot()
    }

    /// k: seeds whose value has the claimed sign (strictly).
    public var agreeing: Int {
        measured.filter { Double(sign) * $0 > 0 }.count
    }

    /// The sign rule (see the type's documentation).
    public var verdict: Verdict {
        guard sign != 0, let m = mean else { return .notMeasured }
        let directed = Double(sign) * m
        if directed <= 0 { return .notReproduced }
        if agreeing == n, let se = standardError, directed > 2 * se { return .reproduced }
        return .mixed
    }

    /// `mean ± s.e.` with `digits` decimals (`—` when nothing was measured).
    public func formatted(digits: Int = 4) -> String {
        guard let m = mean else { return "—" }
        let f = "%+.\(digits)f"
        let se = standardError.map { String(format: " ± %.\(digits)f", $0) } ?? ""
        return String(format: f, m) + se
    }

    /// An observation's verdict from its rows: reproduced when every row is, not reproduced
    /// when any row is not, not measured when none was measured, mixed otherwise.
    public static func combine(_ verdicts: [Verdict]) -> Verdict {
        let measured = verdicts.filter { $0 != .notMeasured }
        if measured.isEmpty { return .notMeasured }
        if measured.contains(.notReproduced) { return .notReproduced }
        if measured.count == verdicts.count, measured.allSatisfy({ $0 == .reproduced }) {
            return .reproduced
        }
        return .mixed
    }
}
