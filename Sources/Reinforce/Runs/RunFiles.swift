import Foundation
import SafeTensors

/// The file writes of training runs (run.json, trainer state, metrics, vocabularies): each
/// through `AtomicFile` (a temporary, fsync, rename; missing parents created), each failure a
/// `ReinforceError.cannotWrite` naming the file with a readable reason.
enum RunFiles {
    /// Writes `bytes` to `path` atomically and durably.
    /// - Throws: `ReinforceError.cannotWrite`.
    static func write(_ bytes: some Sequence<UInt8>, to path: String) throws {
        do {
            try AtomicFile.write(Array(bytes), to: path)
        } catch {
            throw ReinforceError.cannotWrite(path: path, reason: reason(error))
        }
    }

    /// `value` as pretty-printed JSON with sorted keys, written atomically to `path`.
    /// - Throws: `ReinforceError.cannotWrite`.
    static func writeJSON(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw ReinforceError.cannotWrite(path: path, reason: reason(error))
        }
        try write(data, to: path)
    }

    /// Creates `dir` and its missing parents.
    /// - Throws: `ReinforceError.cannotWrite`.
    static func makeDirectory(_ dir: String) throws {
        do {
            try FileAccess.createDirectories(dir)
        } catch {
            throw ReinforceError.cannotWrite(path: dir, reason: reason(error))
        }
    }

    /// One readable line for an error: a typed error's own description, a Foundation error's
    /// POSIX reason (`no space left on device`) or sentence, never `Error Domain=…`.
    static func reason(_ error: any Error) -> String {
        if let e = error as? SafeTensorsError { return e.description }
        if let e = error as? ReinforceError { return e.description }
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else {
            return "\(error)"
        }
        var code: Int32? = ns.domain == NSPOSIXErrorDomain ? Int32(ns.code) : nil
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            code = Int32(underlying.code)
        }
        if let code { return String(cString: strerror(code)).lowercased() }
        return ns.localizedDescription.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
