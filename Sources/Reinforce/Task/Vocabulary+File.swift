import Foundation
import SafeTensors

extension Vocabulary {
    /// A vocabulary from a plain text: the most frequent tokens of `Vocabulary.tokenize(text)`.
    ///
    /// Order: `<bos>`, `<unk>`, then tokens by decreasing count, ties broken by first
    /// appearance in the text, so the same text always gives the same ids.
    /// - Parameter maxSize: total size including `<bos>` and `<unk>`; at least 3.
    /// - Throws: `ReinforceError.invalidVocabulary` if the text has no tokens or
    ///   `maxSize < 3`.
    /// - Complexity: O(length of text + n log n) for n distinct tokens.
    public static func fromText(_ text: String, maxSize: Int) throws -> Vocabulary {
        guard maxSize >= 3 else {
            throw ReinforceError.invalidVocabulary(reason: "maxSize \(maxSize) is below 3")
        }
        var counts: [String: (count: Int, first: Int)] = [:]
        for (i, token) in tokenize(text).enumerated() {
            if let c = counts[token] {
                counts[token] = (c.count + 1, c.first)
            } else {
                counts[token] = (1, i)
            }
        }
        counts[bosToken] = nil
        counts[unkToken] = nil
        guard !counts.isEmpty else {
            throw ReinforceError.invalidVocabulary(reason: "the text holds no words")
        }
        let ranked = counts.sorted {
            $0.value.count != $1.value.count
                ? $0.value.count > $1.value.count : $0.value.first < $1.value.first
        }
        return try Vocabulary(
            tokens: [bosToken, unkToken] + ranked.prefix(maxSize - 2).map(\.key))
    }

    /// Writes `vocab.json`: a JSON array of the tokens in id order, e.g.
    /// `["<bos>","<unk>","the",...]`.
    /// - Throws: `ReinforceError.cannotWrite`.
    public func save(to path: String) throws {
        let data: Data
        do {
            data = try JSONEncoder().encode(tokens)
        } catch {
            throw ReinforceError.cannotWrite(path: path, reason: RunFiles.reason(error))
        }
        try RunFiles.write(data, to: path)
    }

    /// Reads a vocabulary written by `save(to:)`.
    /// - Throws: `ReinforceError.fileNotFound`, `.unreadableFile`, `.invalidVocabularyFile`
    ///   (not a JSON array of strings) or `.invalidVocabulary` (bad tokens).
    public static func load(from path: String) throws -> Vocabulary {
        let data = try readFile(path)
        let tokens: [String]
        do {
            tokens = try JSONDecoder().decode([String].self, from: data)
        } catch {
            throw ReinforceError.invalidVocabularyFile(path: path, reason: "\(error)")
        }
        return try Vocabulary(tokens: tokens)
    }
}

/// The bytes of a regular file, with errors that name it. A FIFO, socket or device is refused
/// before it is opened for reading (a FIFO would block forever).
/// - Throws: `ReinforceError.fileNotFound`, or `.unreadableFile` (a directory, not a regular
///   file, an I/O error).
func readFile(_ path: String) throws -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw ReinforceError.fileNotFound(path: path)
    }
    if isDirectory.boolValue {
        throw ReinforceError.unreadableFile(path: path, reason: "is a directory")
    }
    do {
        return Data(try FileAccess.readRegularFile(path))
    } catch SafeTensorsError.notRegularFile(_, let kind) {
        throw ReinforceError.unreadableFile(path: path, reason: "is \(kind), not a regular file")
    } catch SafeTensorsError.io(_, _, _, let message) {
        throw ReinforceError.unreadableFile(path: path, reason: message.lowercased())
    } catch {
        throw ReinforceError.unreadableFile(path: path, reason: RunFiles.reason(error))
    }
}
