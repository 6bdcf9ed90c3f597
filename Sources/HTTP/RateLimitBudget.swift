import Foundation
import Pipeline
import Synchronization

/// One rate-limit budget per API host and credential, shared by every stage and concurrent
/// request of a run (GitHub gives a token 5,000 requests an hour, shared with everything else).
///
/// Every answer's `x-ratelimit-limit` / `-remaining` / `-reset` update it. While plenty is left,
/// requests go at full speed; once what remains falls under the low-water mark (5% of the limit,
/// at least 50), each request waits its share of the time to the reset, so the run slows down
/// instead of exhausting the token and failing the collectors that share it.
final class RateLimitBudget: Sendable {
    struct Window: Sendable, Equatable {
        var limit: Int
        var remaining: Int
        var reset: Date
    }

    private let windows = Mutex<[String: Window]>([:])
    /// The share of the limit under which requests are spaced out.
    let lowWater: Double

    init(lowWater: Double = 0.05) { self.lowWater = lowWater }

    /// Which budget a request draws on: its host and a hash of its credential (never the credential).
    static func key(host: String, headers: [(String, String)]) -> String {
        var hasher = Hasher()
        for (name, value) in headers where name.lowercased() == "authorization" || name.lowercased() == "dd-api-key" {
            hasher.combine(value)
        }
        return "\(host)|\(hasher.finalize())"
    }

    /// How long to wait before sending, and takes one request from the local estimate so that
    /// concurrent requests do not all see the same budget.
    func delay(for key: String, now: Date) -> Duration {
        windows.withLock { windows -> Duration in
            guard var window = windows[key], window.reset > now else { return .zero }
            let floor = max(50, Int(Double(window.limit) * lowWater))
            defer {
                window.remaining = max(0, window.remaining - 1)
                windows[key] = window
            }
            guard window.remaining < floor else { return .zero }
            let untilReset = window.reset.timeIntervalSince(now)
            return .milliseconds(Int(untilReset / Double(window.remaining + 1) * 1000))
        }
    }

    /// Updates the budget from an answer's headers.
    func record(_ response: HTTPResponse, key: String) {
        guard let remaining = Self.int(response.headers["x-ratelimit-remaining"]),
            let limit = Self.int(response.headers["x-ratelimit-limit"]),
            let reset = Self.int(response.headers["x-ratelimit-reset"]), reset > 1_000_000_000
        else { return }
        let window = Window(limit: limit, remaining: remaining, reset: Date(timeIntervalSince1970: Double(reset)))
        windows.withLock { windows in
            // Answers arrive out of order: within one reset window the smallest remaining is the newest.
            if let known = windows[key], known.reset == window.reset, known.remaining < window.remaining { return }
            windows[key] = window
        }
    }

    func window(for key: String) -> Window? { windows.withLock { $0[key] } }

    private static func int(_ text: String?) -> Int? { text.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
}
