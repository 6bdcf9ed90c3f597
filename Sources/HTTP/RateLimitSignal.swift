import Foundation
import Pipeline

/// What a 403 or 429 response says about rate limiting, following GitHub's guidance
/// (docs.github.com, "Rate limits for the REST API"):
///
/// 1. `retry-after` present: wait that many seconds (or until that HTTP date).
/// 2. `x-ratelimit-remaining: 0`: the primary limit; wait until `x-ratelimit-reset` (epoch
///    seconds on GitHub, seconds from now on Datadog).
/// 3. A body mentioning a secondary rate limit (or the older "abuse detection"): wait at least
///    one minute, exponentially longer for each repeat.
///
/// A 403 with none of these is a permission problem and goes back to the caller.
enum RateLimitSignal: Equatable {
    case retryAfter(until: Date)
    case primary(reset: Date?)
    case secondary

    /// The signal in `response`, if it is a 403 or 429 carrying one.
    static func detect(in response: HTTPResponse, now: Date) -> RateLimitSignal? {
        guard response.status == 403 || response.status == 429 else { return nil }
        if let until = retryAfter(response.headers, now: now) { return .retryAfter(until: until) }
        if response.headers["x-ratelimit-remaining"]?.trimmingCharacters(in: .whitespaces) == "0" {
            // GitHub sends the reset as epoch seconds, Datadog as seconds from now: a value too
            // small to be a date since 2001 is a delay.
            let reset = response.headers["x-ratelimit-reset"]
                .flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                .map { $0 < 1e9 ? now.addingTimeInterval($0) : Date(timeIntervalSince1970: $0) }
            return .primary(reset: reset)
        }
        if mentionsSecondaryLimit(response.body) { return .secondary }
        return nil
    }

    /// `Retry-After` as a point in time: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
    static func retryAfter(_ headers: HTTPHeaders, now: Date) -> Date? {
        guard let raw = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            return nil
        }
        if let seconds = Int(raw) { return now.addingTimeInterval(TimeInterval(max(0, seconds))) }
        return HTTPDate.parseIMF(raw)
    }

    /// Looks for GitHub's secondary-limit wording in the first 64 KiB of the body.
    static func mentionsSecondaryLimit(_ body: [UInt8]) -> Bool {
        let text = String(decoding: body.prefix(65_536), as: UTF8.self).lowercased()
        return text.contains("secondary rate limit") || text.contains("abuse detection")
    }
}
