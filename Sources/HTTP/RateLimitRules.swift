import Foundation

/// How one API states its rate limits: the response headers that carry the limit, what remains
/// and when it resets, the body wording of a secondary (abuse) limit, and the request headers
/// that hold the credential a limit is counted against.
///
/// Every API names these differently (GitHub `x-ratelimit-*` with an epoch reset, Datadog the same
/// names with the seconds until the reset, the IETF draft and W&B `RateLimit-*`), so the HTTP
/// layer knows none of them: a stage states its API's rules on its client
/// (`client.with { $0.rateLimits = … }`), and a pipeline file can state any API's the same way.
/// The default, `.standard`, honours only `Retry-After` (RFC 9110 §10.2.3) and keys budgets by the
/// `Authorization` header.
///
/// What the rules drive: `RateLimitSignal` (how long a 403 or 429 asks to wait), the client's
/// `RateLimitBudget` (spacing requests out when little remains; it needs the limit, remaining and
/// reset headers), and what `APIUsage` reports as remaining.
public struct RateLimitRules: Sendable, Equatable {
    /// How the reset header states the reset.
    public enum ResetFormat: Sendable, Equatable {
        /// Seconds since 1970 (GitHub).
        case epochSeconds
        /// Seconds from now (Datadog, W&B, the IETF `RateLimit-Reset` draft).
        case deltaSeconds
    }

    /// The header with the number of requests a window allows; nil: not stated, so the budget
    /// does not pace.
    public var limitHeader: String?
    /// The header with the requests left in the window; nil: none (only `Retry-After` counts).
    public var remainingHeader: String?
    /// The header with the window's reset.
    public var resetHeader: String?
    public var resetFormat: ResetFormat
    /// Phrases (matched case-insensitively in the first 64 KiB of a 403's or 429's body) that
    /// signal a secondary limit: wait at least a minute, longer on each repeat.
    public var secondaryLimitPhrases: [String]
    /// The request headers holding the credential; a budget is kept per host and hash of these.
    public var credentialHeaders: [String]

    public init(
        limitHeader: String? = nil, remainingHeader: String? = nil, resetHeader: String? = nil,
        resetFormat: ResetFormat = .deltaSeconds, secondaryLimitPhrases: [String] = [],
        credentialHeaders: [String] = ["Authorization"]
    ) {
        self.limitHeader = limitHeader
        self.remainingHeader = remainingHeader
        self.resetHeader = resetHeader
        self.resetFormat = resetFormat
        self.secondaryLimitPhrases = secondaryLimitPhrases
        self.credentialHeaders = credentialHeaders
    }

    /// No vendor's headers: `Retry-After` only, budgets keyed by `Authorization`.
    public static let standard = RateLimitRules()

    /// The requests left, as the answer states them.
    public func remaining(in headers: HTTPHeaders) -> Int? { Self.int(remainingHeader.flatMap { headers[$0] }) }

    /// The requests a window allows, as the answer states them.
    func limit(in headers: HTTPHeaders) -> Int? { Self.int(limitHeader.flatMap { headers[$0] }) }

    /// The reset as a point in time.
    func reset(in headers: HTTPHeaders, now: Date) -> Date? {
        guard let raw = resetHeader.flatMap({ headers[$0] }), let value = Double(raw.trimmingCharacters(in: .whitespaces))
        else { return nil }
        switch resetFormat {
        case .epochSeconds: return Date(timeIntervalSince1970: value)
        case .deltaSeconds: return now.addingTimeInterval(max(0, value))
        }
    }

    /// Whether `body` uses one of the secondary-limit phrases.
    func mentionsSecondaryLimit(_ body: [UInt8]) -> Bool {
        guard !secondaryLimitPhrases.isEmpty else { return false }
        let text = String(decoding: body.prefix(65_536), as: UTF8.self).lowercased()
        return secondaryLimitPhrases.contains { text.contains($0.lowercased()) }
    }

    /// Whether the request header `name` holds the credential.
    func isCredential(_ name: String) -> Bool { credentialHeaders.contains { HTTPHeaders.namesMatch($0, name) } }

    private static func int(_ text: String?) -> Int? { text.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
}
