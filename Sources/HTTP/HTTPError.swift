import Foundation
import Pipeline

/// Why an HTTP request failed, as one line naming the method, the (redacted) URL, what
/// happened and what to do.
///
/// Built like swift-nio's error structs: a `kind` to match on plus context. The URL is redacted
/// when the error is made (no userinfo, no `token`/`key`/`signature` parameters) and header
/// values are never stored, so printing an error cannot leak a credential.
public struct HTTPError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The server answered with a status the caller cannot use: a retryable status
        /// (408, 5xx) that persisted through every attempt, or any non-2xx page while
        /// paginating. `message` is the `message` field of a JSON error body, if any.
        case status(Int, message: String?)
        /// A rate limit that resets later than the policy is willing to wait.
        /// `source` names the header or body that said so (`retry-after`, the reset header of the
        /// client's `RateLimitRules` in lower case such as `x-ratelimit-reset`, `secondary rate limit`).
        case rateLimited(until: Date, source: String)
        /// The connection failed or dropped (refused, reset, empty reply, DNS, TLS, …).
        case transport(String)
        /// An attempt took longer than its timeout (`http.timeout`).
        case timedOut(Duration)
        /// Connecting took longer than the connect timeout (`http.connect_timeout`).
        case connectTimedOut(Duration)
        /// The run's deadline passed: before the request could be sent, or (`duringAttempt`)
        /// while its answer was awaited.
        case deadlineReached(Deadline, duringAttempt: Bool)
        /// The rate limit is nearly spent, and spacing requests until its reset would make this
        /// one wait `wait`, past the run's deadline: failed at once rather than paced.
        case pacingPastDeadline(remaining: Int, limit: Int, reset: Date, wait: Duration, deadline: Deadline)
        /// The answer was larger than `Configuration.maxResponseBytes` (`http.max_response_bytes`):
        /// refused on its `Content-Length` (`declared`) before the body, or while the body came.
        case responseTooLarge(limit: Int, declared: Int?)
        /// The request cannot be sent as written (bad URL, a line break in a header, …).
        case invalidRequest(String)
        /// Pagination reached a `next` URL it had already fetched.
        case paginationLoop
        /// Pagination would fetch more than `maxPages` pages.
        case tooManyPages(limit: Int)
        /// The client was shut down before the request finished.
        case shutDown
        /// A redirect or pagination link (`how`) pointed to another origin (`to`, redacted) while
        /// the request carried `headers` that may be credentials: not followed.
        case offOrigin(to: String, how: String, headers: [String])
        /// A replayed run (`ReplayTransport`) asked for an exchange its recording does not hold;
        /// `closest` lists the nearest recorded ones (method and redacted URL).
        case notRecorded(recording: String, closest: [String])
    }

    public var kind: Kind
    public var method: String
    /// The request URL with credentials redacted.
    public var url: String
    /// How many attempts were made (0 if none was).
    public var attempts: Int
    /// Extra context appended to the message, e.g. that the retry budget ran out.
    public var note: String?
    /// Where the pipeline file sets this request's limits (`http`, `stages.NAME.http`), named
    /// in the advice of timeouts and size refusals; nil names the top-level `http`.
    public var settingsPath: String?

    public init(_ kind: Kind, method: String, url: String, attempts: Int = 1, note: String? = nil) {
        self.kind = kind
        self.method = method
        self.url = URLRedaction.redact(url)
        self.attempts = attempts
        self.note = note
    }

    public var description: String {
        var line = "\(method) \(url): \(summary)"
        if attempts > 1 { line += " after \(attempts) attempts" }
        if let note { line += " (\(note))" }
        if let advice { line += "; \(advice)" }
        return line
    }

    /// `http.timeout`, or for one stage's request `stages.NAME.http.timeout (or http.timeout for every stage)`.
    private func setting(_ key: String) -> String {
        guard let settingsPath, settingsPath != "http" else { return "http.\(key)" }
        return "\(settingsPath).\(key) (or http.\(key) for every stage)"
    }

    var summary: String {
        switch kind {
        case .status(let status, let message):
            let head = HTTPStatusPhrase.describe(status)
            guard let message, !message.isEmpty else { return head }
            return "\(head): \(message)"
        case .rateLimited(let until, let source):
            return "rate limit exhausted until \(TimeText.iso8601(until)) (\(source))"
        case .transport(let reason): return reason
        case .timedOut(let limit): return "timed out after \(TimeText.seconds(limit))"
        case .connectTimedOut(let limit): return "could not connect within \(TimeText.seconds(limit))"
        case .deadlineReached(let deadline, let duringAttempt):
            return duringAttempt ? "no answer before \(deadline)" : "not sent: \(deadline) has passed"
        case .pacingPastDeadline(let remaining, let limit, let reset, let wait, let deadline):
            return "rate limit nearly spent (\(remaining) of \(limit) requests left until \(TimeText.iso8601(reset))): "
                + "spacing requests out until the reset would hold this one \(TimeText.seconds(wait)), past \(deadline)"
        case .responseTooLarge(let limit, let declared):
            let size = declared.map { "the answer declares \($0) bytes (Content-Length)" } ?? "the answer grew past it"
            return "answer larger than the \(ByteCount.text(limit)) cap: \(size)"
        case .invalidRequest(let reason): return "invalid request: \(reason)"
        case .paginationLoop: return "pagination loops (the next link points to a page already fetched)"
        case .tooManyPages(let limit): return "pagination exceeds \(limit) pages"
        case .shutDown: return "the HTTP client was shut down"
        case .offOrigin(let to, let how, let headers):
            return "\(how) points to another host, \(to); not followed, because the request's "
                + "\(headers.joined(separator: ", ")) go only to the host they were configured for"
        case .notRecorded(let recording, let closest):
            let nearest = closest.isEmpty ? "it holds no exchange" : "the closest recorded: \(closest.joined(separator: "; "))"
            return "not in the recording \(recording) (\(nearest))"
        }
    }

    private var advice: String? {
        switch kind {
        case .status(let status, _):
            switch status {
            case 401: return "check that the token is set and still valid"
            case 403: return "check that the token has the scopes or permissions this call needs"
            case 404: return "check the owner, repository and path, and that the token can see them"
            case 408, 500...599: return "the server keeps failing; retry later"
            case 410: return "the resource is gone; remove it from the pipeline"
            case 422: return "check the query parameters"
            default: return nil
            }
        case .rateLimited(_, let source):
            if source == "secondary rate limit" { return "lower maxConcurrentPerHost or run less often" }
            return "wait for the reset, or use credentials with a larger quota"
        case .transport: return "check the host and port and that the server is reachable, or retry later"
        case .timedOut: return "the server is slow: raise \(setting("timeout")) in the pipeline file, or retry later"
        case .connectTimedOut:
            return "check that the host is reachable, or raise \(setting("connect_timeout")) in the pipeline file"
        case .deadlineReached(let deadline, _): return deadline.advice
        case .pacingPastDeadline(_, _, _, _, let deadline):
            return "wait for the reset, use credentials with a larger quota, or \(deadline.advice)"
        case .responseTooLarge:
            return "ask for smaller pages (per_page) or raise \(setting("max_response_bytes")) in the pipeline file"
        case .invalidRequest: return "fix the request"
        case .paginationLoop: return "the server's Link headers are inconsistent; report it"
        case .tooManyPages: return "narrow the query or raise maxPages"
        case .shutDown: return "send requests before calling shutdown()"
        case .offOrigin: return "if that host is the real API, configure its URL directly"
        case .notRecorded:
            return "the pipeline asks for something the recording lacks: record the run again "
                + "(pipeline run NAME --record DIR) or undo the change"
        }
    }
}
