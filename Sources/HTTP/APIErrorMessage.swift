import Foundation
import Pipeline

/// The `message` field of a JSON error body (`{"message": "Bad credentials", …}`, the shape
/// GitHub, Datadog and most JSON APIs use), shortened to one line of at most 200 characters.
enum APIErrorMessage {
    static let limit = 200

    static func extract(from body: [UInt8]) -> String? {
        guard !body.isEmpty, body.count <= 1 << 20,
            let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let message = object["message"] as? String
        else { return nil }
        let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return nil }
        return line.count <= limit ? line : String(line.prefix(limit - 1)) + "…"
    }
}
