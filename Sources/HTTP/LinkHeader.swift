import Foundation
import Pipeline

/// Parses an RFC 8288 `Link` header the way GitHub (and most paginated APIs) send it:
///
///     <https://api.github.com/…&page=2>; rel="next", <https://api.github.com/…&page=9>; rel="last"
///
/// Accepts several relation types in one parameter (`rel="next last"`), unquoted values
/// (`rel=next`), any whitespace, other parameters, and commas inside `<…>` (a URL may contain
/// them). Relation names are lower-cased; the first link for a relation wins.
public enum LinkHeader {
    /// Maps each relation type to its URL: `["next": "https://…", "last": "https://…"]`.
    public static func parse(_ value: String) -> [String: String] {
        var links: [String: String] = [:]
        var scanner = Scanner(Array(value.unicodeScalars))
        while scanner.skip(to: "<") {
            let url = scanner.take { $0 != ">" }
            guard scanner.consume(">") else { break }
            for (name, paramValue) in scanner.parameters() where name == "rel" {
                for rel in paramValue.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                    let key = rel.lowercased()
                    if links[key] == nil { links[key] = url }
                }
            }
        }
        return links
    }

    /// `link` resolved against the URL of the answer that carried it: RFC 8288 (and a redirect's
    /// `Location`) allow relative references; absolute ones pass unchanged.
    public static func resolve(_ link: String, against base: String) -> String {
        guard !link.contains("://"), let url = URL(string: link, relativeTo: URL(string: base)) else { return link }
        return url.absoluteString
    }

    /// A cursor over the header's characters.
    private struct Scanner {
        let chars: [Unicode.Scalar]
        var index = 0

        init(_ chars: [Unicode.Scalar]) { self.chars = chars }

        var atEnd: Bool { index >= chars.count }

        mutating func skipWhitespace() {
            while !atEnd, chars[index] == " " || chars[index] == "\t" { index += 1 }
        }

        /// Moves just past the next `char`; false if there is none.
        mutating func skip(to char: Unicode.Scalar) -> Bool {
            while !atEnd {
                defer { index += 1 }
                if chars[index] == char { return true }
            }
            return false
        }

        mutating func consume(_ char: Unicode.Scalar) -> Bool {
            guard !atEnd, chars[index] == char else { return false }
            index += 1
            return true
        }

        mutating func take(while predicate: (Unicode.Scalar) -> Bool) -> String {
            var text = String.UnicodeScalarView()
            while !atEnd, predicate(chars[index]) {
                text.append(chars[index])
                index += 1
            }
            return String(text)
        }

        /// Reads `; name=value; name="quoted value"` up to the `,` that ends this link (or the
        /// end), returning lower-cased names with unquoted values.
        mutating func parameters() -> [(String, String)] {
            var parameters: [(String, String)] = []
            while true {
                skipWhitespace()
                if atEnd || consume(",") { return parameters }
                guard consume(";") else {
                    // Junk after the URL: skip to the next link.
                    _ = take { $0 != "," }
                    continue
                }
                skipWhitespace()
                let name = take { $0 != "=" && $0 != ";" && $0 != "," && $0 != " " && $0 != "\t" }.lowercased()
                skipWhitespace()
                var value = ""
                if consume("=") {
                    skipWhitespace()
                    if consume("\"") {
                        value = quotedRest()
                    } else {
                        value = take { $0 != ";" && $0 != "," && $0 != " " && $0 != "\t" }
                    }
                }
                if !name.isEmpty { parameters.append((name, value)) }
            }
        }

        /// The rest of a quoted string (the opening quote already read), with `\` escapes.
        mutating func quotedRest() -> String {
            var text = String.UnicodeScalarView()
            while !atEnd {
                let char = chars[index]
                index += 1
                if char == "\"" { break }
                if char == "\\", !atEnd {
                    text.append(chars[index])
                    index += 1
                } else {
                    text.append(char)
                }
            }
            return String(text)
        }
    }
}
