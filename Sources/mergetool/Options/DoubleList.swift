import ArgumentParser

/// A comma-separated list of numbers on the command line, e.g. `--eta 0,0.1,0.3` or
/// `--weights 1,2,1`. Every item must be a finite number.
struct DoubleList: ExpressibleByArgument, Equatable, Sendable {
    var values: [Double]

    init(_ values: [Double]) { self.values = values }

    init?(argument: String) {
        let items = argument.split(separator: ",", omittingEmptySubsequences: false)
        var values: [Double] = []
        for item in items {
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let v = Double(text), v.isFinite else { return nil }
            values.append(v)
        }
        guard !values.isEmpty else { return nil }
        self.values = values
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

extension Set where Element == Character {
    fileprivate static let whitespaces: Set<Character> = [" ", "\t"]
}
