import Foundation
import HTTP
import Pipeline

/// An answer the `http` stage cannot use, as one line naming the method, the (redacted) URL,
/// what is wrong and what to do.
struct HTTPSourceError: Error, CustomStringConvertible, Sendable {
    var method: String
    var url: String
    var message: String
    var advice: String

    init(method: String, url: String, message: String, advice: String) {
        self.method = method
        self.url = URLRedaction.redact(url)
        self.message = message
        self.advice = advice
    }

    var description: String { "\(method) \(url): \(message); \(advice)" }

    /// The message of a JSON error body: `message`, `errors[0].message` (GraphQL), `error`
    /// (a string, or an object with a `message`), or the value at `path`; one line, at most 200
    /// characters.
    static func apiMessage(in answer: JSON, path: HTTPRecordsPath? = nil) -> String? {
        let candidates: [JSON?] = [
            path.flatMap { HTTPRecordsPath.value(at: $0, in: answer) }, answer["message"], answer["errors"],
            answer["error"],
        ]
        for candidate in candidates.compactMap({ $0 }) {
            if let message = message(of: candidate) { return oneLine(message) }
        }
        return nil
    }

    /// The text of an error value: a string, an object's `message`, an array's first such.
    static func message(of value: JSON) -> String? {
        switch value {
        case .string(let text): text.isEmpty ? nil : text
        case .object(let object): object["message"].flatMap(message(of:)) ?? (object.isEmpty ? nil : value.jsonText)
        case .array(let elements): elements.first.flatMap(message(of:))
        default: nil
        }
    }

    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return line.count <= 200 ? line : String(line.prefix(199)) + "…"
    }
}
