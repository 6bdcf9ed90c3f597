import Pipeline

/// Removes credentials from URLs before they reach a log line or an error message.
///
/// Userinfo (`user:pass@`) becomes `***@`, and query parameters whose name contains `token`,
/// `key`, `signature`, `secret`, `password` or `credential` (`access_token`, `api_key`,
/// `X-Amz-Signature`, …) get the value `REDACTED`. Works on the raw string so it never fails,
/// even on a URL that does not parse.
public enum URLRedaction {
    static let sensitiveNameParts = ["token", "key", "signature", "secret", "password", "credential"]

    public static func redact(_ url: String) -> String {
        var rest = Substring(url)
        var output = ""
        // scheme://userinfo@host…
        if let schemeEnd = rest.range(of: "://") {
            output += rest[..<schemeEnd.upperBound]
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                output += "***@"
                rest = rest[rest.index(after: at)...]
            }
        }
        guard let question = rest.firstIndex(of: "?") else { return output + rest }
        output += rest[...question]
        rest = rest[rest.index(after: question)...]
        var fragment: Substring = ""
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[hash...]
            rest = rest[..<hash]
        }
        let items = rest.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
            guard let equals = item.firstIndex(of: "=") else { return String(item) }
            let name = (URLQuery.percentDecode(String(item[..<equals])) ?? String(item[..<equals])).lowercased()
            guard sensitiveNameParts.contains(where: { name.contains($0) }) else { return String(item) }
            return item[...equals] + "REDACTED"
        }
        return output + items.joined(separator: "&") + fragment
    }
}
