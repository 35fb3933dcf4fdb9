import ArgumentParser
import Foundation
import Merging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A library error together with the command-line advice for it: what the user sees is the
/// advice (one lowercase line naming the flag); `error` keeps the typed case for tests and
/// callers.
struct AdvisedError: Error, Equatable, CustomStringConvertible {
    let error: MergeError
    let description: String
}

/// A Foundation error (`NSCocoaErrorDomain`, `NSPOSIXErrorDomain`) as one readable line,
/// e.g. `cannot read 'config.json': no such file or directory`; `domain` and `code` keep what
/// it was for tests.
struct ReadableError: Error, Equatable, CustomStringConvertible {
    let domain: String
    let code: Int
    let description: String
}

/// Turns library errors, which speak of inputs and plans, into advice that names the flag to
/// change, and Foundation errors into one line. The library never spells a flag; this is the
/// one place that does, and `reporting` is the one wrapper every command runs in (from
/// `MergeTool.main`); ArgumentParser prints the result as one `error: …` line.
enum ErrorAdvice {
    /// The advice for `error`, or `nil` when its own description already says it all.
    static func advice(for error: MergeError) -> String? {
        switch error {
        case .lambdaNeedsTwoModels(let models):
            return "--lambda is for two models; use --weights for \(models)"
        case .negativeEta(let eta):
            return "eta \(eta) is negative (moves away from the merge); "
                + "pass --allow-negative-eta to do it anyway"
        case .initRequired(let method):
            return "\(method) needs --init (the shared initialisation)"
        case .nonFiniteOutput:
            return error.description + "; pass --allow-non-finite to write it anyway"
        case .mixedArchitectures:
            return error.description + "; pass --allow-mixed-architectures to merge them anyway"
        case .tokenizerMismatch:
            return error.description + "; pass --allow-tokenizer-mismatch to merge anyway"
        default:
            return nil
        }
    }

    /// Runs a command's body and rethrows its error as the user should see it: `MergeError`s
    /// with advice as `AdvisedError`, Foundation errors as `ReadableError`, everything else
    /// (typed library errors, whose description is one line already; parser errors; exit
    /// codes) unchanged.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw mapped(error)
        }
    }

    /// The error as the user should see it (see `reporting`).
    static func mapped(_ error: any Error) -> any Error {
        if let merge = error as? MergeError {
            return advice(for: merge).map { AdvisedError(error: merge, description: $0) } ?? merge
        }
        if error is ValidationError || error is ExitCode || error is CleanExit
            || error is AdvisedError || error is ReadableError
        {
            return error
        }
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else {
            return error
        }
        return ReadableError(domain: ns.domain, code: ns.code, description: readable(ns))
    }

    /// `PATH: REASON` when the error names a file and a POSIX cause, else Foundation's own
    /// sentence, in one lowercase line.
    static func readable(_ ns: NSError) -> String {
        let path =
            ns.userInfo[NSFilePathErrorKey] as? String
            ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        var posix: Int32? = ns.domain == NSPOSIXErrorDomain ? Int32(ns.code) : nil
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            posix = Int32(underlying.code)
        }
        var text: String
        if posix == nil, ns.domain == NSCocoaErrorDomain, let reason = cocoaReasons[ns.code] {
            text = path.map { "'\($0)': " } ?? ""
            text += reason
        } else if let posix {
            text = lowercaseFirst(String(cString: strerror(posix)))
            if let path { text = "'\(path)': " + text }
        } else {
            text = lowercaseFirst(ns.localizedDescription)
            if let path, !text.contains(path) { text = "'\(path)': " + text }
        }
        text = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Foundation's file error codes in the words of `strerror` (its own sentences say
    /// "the operation could not be completed").
    static let cocoaReasons: [Int: String] = [
        CocoaError.fileNoSuchFile.rawValue: "no such file or directory",
        CocoaError.fileReadNoSuchFile.rawValue: "no such file or directory",
        CocoaError.fileReadNoPermission.rawValue: "permission denied",
        CocoaError.fileWriteNoPermission.rawValue: "permission denied",
        CocoaError.fileWriteOutOfSpace.rawValue: "no space left on device",
        CocoaError.fileWriteVolumeReadOnly.rawValue: "read-only file system",
        CocoaError.fileWriteFileExists.rawValue: "file exists",
        CocoaError.fileReadCorruptFile.rawValue: "the file is corrupt",
        CocoaError.fileReadTooLarge.rawValue: "the file is too large",
        CocoaError.fileReadInapplicableStringEncoding.rawValue: "the text is not valid UTF-8",
    ]

    private static func lowercaseFirst(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.lowercased() + s.dropFirst()
    }
}
