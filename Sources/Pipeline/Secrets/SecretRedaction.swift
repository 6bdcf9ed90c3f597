import Foundation
import Synchronization

/// The secret values this process has resolved, so that logs and error lines can be scrubbed
/// of them whatever path a value took (an option echoed in a message, a URL, a server's answer).
///
/// Process-wide on purpose: secrets are resolved once, at start, and every line the process
/// writes to stderr passes through `redact`.
public final class SecretRedaction: Sendable {
    public static let shared = SecretRedaction()

    private let values = Mutex<Set<String>>([])

    /// Values shorter than 4 characters are not registered: scrubbing them would garble text.
    public func register(_ value: String) {
        guard value.count >= 4 else { return }
        values.withLock { _ = $0.insert(value) }
    }

    /// `text` with every registered value replaced by `[secret]`.
    public func redact(_ text: String) -> String {
        let known = values.withLock { $0 }
        guard !known.isEmpty else { return text }
        var text = text
        // Longest first, so a value containing another is replaced whole.
        for value in known.sorted(by: { $0.count > $1.count }) where text.contains(value) {
            text = text.replacingOccurrences(of: value, with: "[secret]")
        }
        return text
    }
}
