import Foundation
import Pipeline

/// What a 403 or 429 response says about rate limiting, in the order GitHub's guidance gives
/// (docs.github.com, "Rate limits for the REST API"), with the headers and wording the API's
/// `RateLimitRules` state:
///
/// 1. `retry-after` present: wait that many seconds (or until that HTTP date).
/// 2. The rules' remaining header at 0: the primary limit; wait until the rules' reset header.
/// 3. A body with one of the rules' secondary-limit phrases: wait at least one minute,
///    exponentially longer for each repeat.
///
/// A 403 with none of these is a permission problem and goes back to the caller.
enum RateLimitSignal: Equatable {
    case retryAfter(until: Date)
    /// `header` is the reset header the wait comes from, for messages.
    case primary(reset: Date?, header: String)
    case secondary

    /// The signal in `response`, if it is a 403 or 429 carrying one.
    static func detect(in response: HTTPResponse, rules: RateLimitRules, now: Date) -> RateLimitSignal? {
        guard response.status == 403 || response.status == 429 else { return nil }
        if let until = retryAfter(response.headers, now: now) { return .retryAfter(until: until) }
        if rules.remaining(in: response.headers) == 0 {
            return .primary(
                reset: rules.reset(in: response.headers, now: now), header: (rules.resetHeader ?? "reset").lowercased())
        }
        if rules.mentionsSecondaryLimit(response.body) { return .secondary }
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
}
