/// `${NAME}`, `${NAME:-default}`, `${NAME:?message}` and `${secret:NAME}` in the string values
/// of a pipeline file.
///
/// Resolved after JSON parsing, value by value, so a variable's content can never break the
/// JSON. `$$` writes a literal `$`. A variable that is unset (and has no default) is an error:
/// a CronJob missing its configuration should fail at start, loudly, not collect the wrong thing.
///
/// Credentials are never printed: the value of every `${secret:…}`, and of every variable whose
/// name says it holds a credential (`isSecretBearing`: `GITHUB_TOKEN`, `DD_API_KEY`, …), is
/// registered with `SecretRedaction` as it is substituted, so a fault, a log line or an error
/// that would echo it (an input naming no stage, an option value rejected) shows `[secret]`.
public struct Variables: Sendable {
    /// `--var NAME=VALUE`, which win over the environment.
    public var overrides: [String: String]
    public var environment: [String: String]
    /// `${secret:NAME}` values, fetched before the file is checked (`SecretValues.fetch`).
    public var secrets: SecretValues

    public init(overrides: [String: String] = [:], environment: [String: String] = [:], secrets: SecretValues = SecretValues()) {
        self.overrides = overrides
        self.environment = environment
        self.secrets = secrets
    }

    public subscript(name: String) -> String? { overrides[name] ?? environment[name] }
}

public enum Interpolation {
    public struct Failure: Error, Sendable, Equatable {
        public var message: String
    }

    /// Parts of a variable's name that say its value is a credential, matched anywhere in the
    /// name, in any case: `GITHUB_TOKEN`, `DD_API_KEY`, `AWS_SECRET_ACCESS_KEY`, `DB_PASSWORD`.
    /// A name that merely contains one (`MONKEY`) is treated as a credential too: hiding a value
    /// that was not secret costs a `[secret]` in a message, printing one that was costs the key.
    public static let secretNameParts = ["TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "PRIVATE"]

    /// Whether the variable `name` holds a credential, by its name (`secretNameParts`).
    public static func isSecretBearing(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretNameParts.contains { upper.contains($0) }
    }

    /// Resolves every string in `value`; faults are appended to `diagnostics` with their path.
    public static func resolve(_ value: JSON, variables: Variables, path: [String], diagnostics: inout [Diagnostic]) -> JSON {
        switch value {
        case .string(let text):
            do {
                return .string(try expand(text, variables: variables))
            } catch {
                diagnostics.append(Diagnostic(path: path, message: error.message))
                return value
            }
        case .array(let elements):
            return .array(
                elements.enumerated().map {
                    resolve($1, variables: variables, path: path + ["[\($0)]"], diagnostics: &diagnostics)
                })
        case .object(let object):
            return .object(
                JSONObject(
                    object.pairs.map {
                        ($0.key, resolve($0.value, variables: variables, path: path + [$0.key], diagnostics: &diagnostics))
                    }))
        default:
            return value
        }
    }

    /// Expands one string.
    public static func expand(_ text: String, variables: Variables) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "$", i + 1 < chars.count else {
                out.append(c)
                i += 1
                continue
            }
            if chars[i + 1] == "$" {
                out.append("$")
                i += 2
                continue
            }
            guard chars[i + 1] == "{" else {
                out.append(c)
                i += 1
                continue
            }
            // Find the matching close brace, allowing ${…} inside a default.
            var depth = 1
            var j = i + 2
            while j < chars.count {
                if chars[j] == "$", j + 1 < chars.count, chars[j + 1] == "{" {
                    depth += 1
                    j += 2
                    continue
                }
                if chars[j] == "}" {
                    depth -= 1
                    if depth == 0 { break }
                }
                j += 1
            }
            guard j < chars.count else {
                throw Failure(
                    message:
                        "unclosed \"${\" in \(Diagnostic.quote(text)); write ${NAME}, ${NAME:-default} or ${NAME:?message}, or $$ for a literal $"
                )
            }
            out += try substitute(String(chars[(i + 2)..<j]), in: text, variables: variables)
            i = j + 1
        }
        return out
    }

    private static func substitute(_ body: String, in text: String, variables: Variables) throws(Failure) -> String {
        if body.hasPrefix("secret:") { return try secret(String(body.dropFirst(7)), variables: variables) }
        let nameEnd = body.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") || !$0.isASCII } ?? body.endIndex
        let name = String(body[..<nameEnd])
        let rest = body[nameEnd...]
        guard let first = name.first, first.isLetter || first == "_" else {
            throw Failure(
                message:
                    "\(Diagnostic.quote("${\(body)}")) is not a valid variable reference; names are letters, digits and _, not starting with a digit"
            )
        }
        let value = variables[name]
        if let value, isSecretBearing(name) { SecretRedaction.shared.register(value) }
        if rest.isEmpty {
            guard let value else {
                throw Failure(
                    message: "variable \(name) is not set; set it, pass --var \(name)=VALUE, or write ${\(name):-default}")
            }
            return value
        }
        if rest.hasPrefix(":-") {
            if let value, !value.isEmpty { return value }
            return try expand(String(rest.dropFirst(2)), variables: variables)
        }
        if rest.hasPrefix(":?") {
            if let value, !value.isEmpty { return value }
            let message = rest.dropFirst(2)
            throw Failure(message: "variable \(name) is required\(message.isEmpty ? "" : ": \(message)")")
        }
        throw Failure(
            message:
                "\(Diagnostic.quote("${\(body)}")) is not a valid variable reference; write ${\(name)}, ${\(name):-default} or ${\(name):?message}"
        )
    }

    /// A `${secret:NAME}`'s value; a failure names the secret, never a value.
    private static func secret(_ text: String, variables: Variables) throws(Failure) -> String {
        guard let reference = SecretReference(text) else {
            throw Failure(
                message:
                    "\(Diagnostic.quote("${secret:\(text)}")) is not a valid secret reference; write ${secret:NAME} or ${secret:NAME#key}"
            )
        }
        if let value = variables.secrets.values[reference] {
            SecretRedaction.shared.register(value)
            return value
        }
        throw Failure(message: variables.secrets.failures[reference] ?? "secret \"\(reference)\" was not looked up")
    }
}
