import Foundation
import HTTP
import Pipeline

/// How the `http` stage proves who it is: one header, sent only to the configured URL's origin
/// (a next link or URL to another origin is refused rather than followed with it).
enum HTTPAuth: Sendable, Decodable {
    /// `Authorization: Bearer TOKEN`.
    case bearer(token: String)
    /// `Authorization: Basic base64(user:password)`.
    case basic(user: String, password: String)
    /// Any header, e.g. `DD-API-KEY: …`.
    case header(name: String, value: String)

    static let types = ["bearer", "basic", "header"]

    init(from decoder: any Decoder) throws {
        let reader = try OptionReader(decoder)
        let type: String = try reader.required("type")
        switch type {
        case "bearer":
            self = .bearer(token: try reader.required("token"))
        case "basic":
            self = .basic(user: try reader.required("user"), password: try reader.required("password"))
        case "header":
            self = .header(name: try reader.required("name"), value: try reader.required("value"))
        default:
            throw reader.failure(
                "type", "unknown auth type \"\(type)\"; known types: \(Self.types.joined(separator: ", "))")
        }
    }

    /// Whether the credential is empty (`${VAR:-}` unset): then no header is sent at all.
    var isEmpty: Bool {
        switch self {
        case .bearer(let token): token.isEmpty
        case .basic(let user, _): user.isEmpty
        case .header(_, let value): value.isEmpty
        }
    }

    /// The request header carrying the credential. Its value is never logged nor put in errors.
    var header: (String, String) {
        switch self {
        case .bearer(let token): ("Authorization", "Bearer \(token)")
        case .basic(let user, let password): ("Authorization", "Basic \(Data("\(user):\(password)".utf8).base64EncodedString())")
        case .header(let name, let value): (name, value)
        }
    }
}

extension HTTPAuth: OptionSchemaDescribing {
    static var optionSchema: JSON {
        [
            "type": "object", "properties": ["type": OptionSchema.words(types)], "required": ["type"],
            "propertyNames": ["enum": ["type", "token", "user", "password", "name", "value"]],
        ]
    }
}
