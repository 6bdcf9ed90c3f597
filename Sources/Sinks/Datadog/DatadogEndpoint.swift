import Foundation
import HTTP
import Pipeline

/// Where the Datadog sink sends: the API base URL of one Datadog site, or an explicit URL.
///
/// Resolution, first match wins:
/// 1. the `url` option, then `$DD_URL`: a full override (a proxy, a fake intake in tests);
/// 2. `https://api.` + the `site` option, then `$DD_SITE`, then `datadoghq.com`.
///
/// `$DD_URL` beats the `site` option on purpose: it is how an environment (a test, a staging
/// cluster behind a proxy) redirects a pipeline file written for production.
public struct DatadogEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Every Datadog site, as `DD_SITE` spells it (docs.datadoghq.com, "Getting Started with Datadog Sites").
    public static let sites = [
        "datadoghq.com", "us3.datadoghq.com", "us5.datadoghq.com", "datadoghq.eu", "ap1.datadoghq.com",
        "ap2.datadoghq.com", "ddog-gov.com", "us2.ddog-gov.com", "uk1.datadoghq.com",
    ]
    public static let defaultSite = "datadoghq.com"

    /// `https://api.datadoghq.com`, without a trailing slash.
    public let baseURL: String

    public init(baseURL: String) {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        self.baseURL = url
    }

    /// The API of `site`, which must be one of `sites`.
    public init(site: String) { self.init(baseURL: "https://api." + site) }

    /// POST target for metric points (API v2).
    public var seriesURL: String { baseURL + "/api/v2/series" }
    /// GET target that checks an API key (API v1).
    public var validateURL: String { baseURL + "/api/v1/validate" }
    /// GET target that checks an API key and an application key together (API v2).
    public var validateKeysURL: String { baseURL + "/api/v2/validate_keys" }
    /// The outbox destination: points queued for one endpoint are never sent to another.
    public var outboxDestination: String { "datadog:" + baseURL }

    public var description: String { URLRedaction.redact(baseURL) }

    /// Resolves the endpoint from the options and the environment (see the type's comment).
    public static func resolve(
        url: String?, site: String?, environment: [String: String]
    ) throws(DatadogConfigurationError) -> DatadogEndpoint {
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        if let url = nonEmpty(url) { return try endpoint(url: url, from: "url") }
        if let url = nonEmpty(environment["DD_URL"]) { return try endpoint(url: url, from: "DD_URL") }
        if let site = nonEmpty(site) { return DatadogEndpoint(site: try checkSite(site, from: "site")) }
        if let site = nonEmpty(environment["DD_SITE"]) {
            return DatadogEndpoint(site: try checkSite(site, from: "DD_SITE"))
        }
        return DatadogEndpoint(site: defaultSite)
    }

    /// `site` if it is a Datadog site; otherwise an error with the closest site.
    public static func checkSite(_ site: String, from origin: String = "site") throws(DatadogConfigurationError)
        -> String
    {
        if sites.contains(site) { return site }
        // What people paste: the web app's host (app.datadoghq.com), the API's, or a URL.
        var bare = site.lowercased().trimmingCharacters(in: .whitespaces)
        for prefix in ["https://", "http://"] where bare.hasPrefix(prefix) { bare.removeFirst(prefix.count) }
        while bare.hasSuffix("/") { bare.removeLast() }
        for prefix in ["app.", "api."]
        where bare.hasPrefix(prefix) && sites.contains(String(bare.dropFirst(prefix.count))) {
            bare.removeFirst(prefix.count)
        }
        let suggestion = sites.contains(bare) ? bare : Suggest.closest(to: bare, among: sites)
        let hint = suggestion.map { " (did you mean \"\($0)\"?)" } ?? ""
        let subject = origin == "site" ? "\"\(site)\"" : "\(origin) \"\(site)\""
        throw DatadogConfigurationError(
            option: "site",
            message: "\(subject) is not a Datadog site\(hint); sites: \(sites.joined(separator: ", "))")
    }

    private static func endpoint(url: String, from origin: String) throws(DatadogConfigurationError) -> DatadogEndpoint {
        let lowered = url.lowercased()
        let scheme = lowered.hasPrefix("https://") ? 8 : lowered.hasPrefix("http://") ? 7 : 0
        let host = url.dropFirst(scheme).prefix { $0 != "/" }
        guard scheme > 0, !host.isEmpty, !url.contains(where: { $0 == " " || $0 == "?" || $0 == "#" }) else {
            throw DatadogConfigurationError(
                option: "url",
                message: "\(origin) \"\(URLRedaction.redact(url))\" is not an http(s) base URL "
                    + "such as https://api.datadoghq.eu")
        }
        return DatadogEndpoint(baseURL: url)
    }
}

/// An option of the Datadog sink that cannot work, found before anything is sent.
public struct DatadogConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The option at fault (`site`, `url`), also when the value came from the environment.
    public var option: String
    public var message: String

    public init(option: String, message: String) {
        self.option = option
        self.message = message
    }

    public var description: String { "\(option): \(message)" }
}
