import Foundation
import Pipeline
import Synchronization

/// One rate-limit budget per API host and credential, shared by every stage and concurrent
/// request of a run (GitHub gives a token 5,000 requests an hour, shared with everything else).
///
/// Every answer's limit, remaining and reset headers (as the client's `RateLimitRules` name them:
/// GitHub's `x-ratelimit-limit` / `-remaining` / `-reset`, say) update it. While plenty is left,
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

    /// Which budget a request draws on: its host and a hash of its credential (never the
    /// credential), which is in the headers `rules` name.
    static func key(host: String, headers: [(String, String)], rules: RateLimitRules) -> String {
        var hasher = Hasher()
        for (name, value) in headers where rules.isCredential(name) {
            hasher.combine(name.lowercased())
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

    /// Updates the budget from an answer's headers, read as `rules` say; an answer without all
    /// three (limit, remaining, reset) leaves it as it is.
    func record(_ response: HTTPResponse, key: String, rules: RateLimitRules, now: Date) {
        guard let remaining = rules.remaining(in: response.headers), let limit = rules.limit(in: response.headers),
            let reset = rules.reset(in: response.headers, now: now)
        else { return }
        let window = Window(limit: limit, remaining: remaining, reset: reset)
        windows.withLock { windows in
            // Answers arrive out of order: within one reset window the smallest remaining is the newest
            // (a reset stated as seconds from now moves by a fraction of a second from one answer to the next).
            if let known = windows[key], abs(known.reset.timeIntervalSince(window.reset)) < 1,
                known.remaining < window.remaining
            {
                return
            }
            windows[key] = window
        }
    }

    func window(for key: String) -> Window? { windows.withLock { $0[key] } }
}
