import HTTP
import Pipeline

/// The `rate_limits` option: how the API states its rate limits, as `RateLimitRules` for the
/// stage's client (pacing, waiting out a 403/429, what remains in the run's API usage).
struct HTTPRateLimitOptions: Sendable, Decodable {
    var limitHeader: String?
    var remainingHeader: String?
    var resetHeader: String?
    var resetFormat: RateLimitRules.ResetFormat
    var secondaryPhrases: [String]

    init(from decoder: any Decoder) throws {
        let reader = try OptionReader(decoder)
        limitHeader = try reader.optional("limit_header")
        remainingHeader = try reader.optional("remaining_header")
        resetHeader = try reader.optional("reset_header")
        secondaryPhrases = try reader.optional("secondary_phrases") ?? []
        switch try reader.optional("reset_format", as: String.self) ?? "delta" {
        case "epoch": resetFormat = .epochSeconds
        case "delta": resetFormat = .deltaSeconds
        case let other:
            throw reader.failure("reset_format", "unknown reset format \"\(other)\"; known formats: epoch, delta")
        }
    }

    /// The rules, counting budgets against `credentialHeader` (the auth header; `Authorization` without one).
    func rules(credentialHeader: String?) -> RateLimitRules {
        RateLimitRules(
            limitHeader: limitHeader, remainingHeader: remainingHeader, resetHeader: resetHeader,
            resetFormat: resetFormat, secondaryLimitPhrases: secondaryPhrases,
            credentialHeaders: [credentialHeader ?? "Authorization"])
    }
}

extension HTTPRateLimitOptions: OptionSchemaDescribing {
    static var optionSchema: JSON { OptionSchema.object }
}
