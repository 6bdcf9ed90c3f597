/// The secrets one run uses, fetched once each, before the pipeline file is checked.
///
/// Every reference in the file is looked up (each secret name once, however many keys of it are
/// used), concurrently. A reference that fails is not an error here: it becomes one only where
/// the file uses it, so a secret in a default that is never taken costs nothing but a lookup.
public struct SecretValues: Sendable {
    /// Resolved values, by reference.
    public var values: [SecretReference: String] = [:]
    /// Why a reference could not be resolved: one line with its name, never a value.
    public var failures: [SecretReference: String] = [:]

    public init(values: [SecretReference: String] = [:], failures: [SecretReference: String] = [:]) {
        self.values = values
        self.failures = failures
    }

    public static func fetch(_ references: Set<SecretReference>, from backend: any SecretBackend) async -> SecretValues {
        let names = Set(references.map(\.name))
        // A named struct, and a plain loop over the group: a (String, Result) tuple folded with
        // `reduce(into:)` was miscompiled by the release optimizer (Swift 6.3.1: the key arrived
        // as garbage, "No foreign strings on Linux", on every secret).
        let fetched = await withTaskGroup(of: Fetched.self) { group in
            for name in names {
                group.addTask {
                    do { return Fetched(name: name, result: .success(try await backend.fetch(name))) } catch {
                        return Fetched(name: name, result: .failure(error))
                    }
                }
            }
            var fetched: [String: Result<String?, any Error>] = [:]
            for await answer in group { fetched[answer.name] = answer.result }
            return fetched
        }
        var result = SecretValues()
        for reference in references {
            switch fetched[reference.name] {
            case .success(let value?):
                do {
                    let resolved = try Self.select(reference, from: value)
                    result.values[reference] = resolved
                    SecretRedaction.shared.register(resolved)
                } catch {
                    result.failures[reference] = error.message
                }
            case .success(nil), nil:
                result.failures[reference] = "secret \"\(reference.name)\" was not found in \(backend.description)"
            case .failure(let error):
                result.failures[reference] =
                    "secret \"\(reference.name)\" could not be read from \(backend.description): "
                    + SecretRedaction.shared.redact(String(describing: error))
            }
        }
        return result
    }

    private struct Fetched: Sendable {
        var name: String
        var result: Result<String?, any Error>
    }

    struct KeyFailure: Error {
        var message: String
    }

    /// The whole value, or one key of a JSON object value (a string, or a number or boolean as written).
    static func select(_ reference: SecretReference, from value: String) throws(KeyFailure) -> String {
        guard let key = reference.key else { return value }
        guard let parsed = try? JSONParser.parse(Array(value.utf8)), case .object(let object) = parsed else {
            throw KeyFailure(message: "secret \"\(reference.name)\" is not a JSON object, so it has no key \"\(key)\"")
        }
        switch object[key] {
        case .string(let text)?: return text
        case .number(let number)?: return JSON.formatNumber(number)
        case .bool(let flag)?: return flag ? "true" : "false"
        case nil:
            let keys = object.keys.sorted()
            let hint = Suggest.closest(to: key, among: keys).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw KeyFailure(message: "secret \"\(reference.name)\" has no key \"\(key)\"\(hint)")
        default:
            throw KeyFailure(message: "key \"\(key)\" of secret \"\(reference.name)\" is not a string")
        }
    }
}
