import HTTP
import Pipeline

/// A small XML parser for AWS answers: the declaration, comments, processing instructions, a
/// DOCTYPE without an internal subset, CDATA, the five predefined entities and character
/// references, attributes and namespace prefixes. No DTDs, no external entities: nothing in a
/// response can make it fetch or expand anything.
public enum XMLDocument {
    /// Why a document did not parse, with the byte offset where it went wrong.
    public typealias SyntaxError = XMLSyntaxError

    /// The root element of `bytes`. With a `selection` (by local names, from the root's
    /// children down), elements it does not keep are checked but never built: a page of 1,000
    /// EC2 instances is a tree of some 100,000 elements, of which a stage reads a dozen each.
    public static func parse(_ bytes: [UInt8], keeping selection: FieldSelection = .all) throws(SyntaxError)
        -> XMLElement
    {
        var parser = XMLParser(bytes: bytes)
        return try parser.document(keeping: selection)
    }

    /// The root element of `text`.
    public static func parse(_ text: String) throws(SyntaxError) -> XMLElement { try parse(Array(text.utf8)) }
}

/// The parser's state: a cursor over the bytes and the stack of open elements (a loop, not
/// recursion, so deep nesting cannot overflow the stack).
private struct XMLParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte order mark.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    func fail(_ reason: String, at offset: Int? = nil) -> XMLDocument.SyntaxError {
        XMLDocument.SyntaxError(offset: offset ?? index, reason: reason)
    }

    mutating func document(keeping selection: FieldSelection) throws(XMLDocument.SyntaxError) -> XMLElement {
        try skipMisc()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else {
            throw fail(index < bytes.count ? "expected the root element" : "no root element")
        }
        let root = try element(keeping: selection)
        try skipMisc()
        guard index == bytes.count else { throw fail("content after the root element") }
        return root
    }

    /// Whitespace, comments, processing instructions and a DOCTYPE, outside the root.
    mutating func skipMisc() throws(XMLDocument.SyntaxError) {
        while true {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            if starts("<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if starts("<!--") {
                try skip(past: "-->", what: "comment")
            } else if starts("<!DOCTYPE") {
                let start = index
                while index < bytes.count, bytes[index] != UInt8(ascii: ">") {
                    if bytes[index] == UInt8(ascii: "[") { throw fail("DTD internal subsets are not supported") }
                    index += 1
                }
                guard index < bytes.count else { throw fail("unterminated DOCTYPE", at: start) }
                index += 1
            } else {
                return
            }
        }
    }

    /// An element and everything inside it; the cursor is on its `<`. An open element's
    /// `keeping` is what of its children is built: nil when it is not built itself.
    mutating func element(keeping selection: FieldSelection) throws(XMLDocument.SyntaxError) -> XMLElement {
        var stack: [(element: XMLElement, qualifiedName: String, text: [UInt8], keeping: FieldSelection?)] = []
        /// What of an element opening now is kept: the root whole, others per their parent.
        func keeping(_ name: String) -> FieldSelection? {
            guard let parent = stack.last else { return selection }
            return parent.keeping?.child(name)
        }
        while true {
            guard index < bytes.count else {
                throw fail("unexpected end of document inside <\(stack.last?.qualifiedName ?? "")>")
            }
            if starts("</") {
                let start = index
                index += 2
                let name = try readName()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw fail("expected > after </\(name)") }
                index += 1
                guard var open = stack.popLast() else { throw fail("unexpected </\(name)>", at: start) }
                guard open.qualifiedName == name else {
                    throw fail("</\(name)> does not close <\(open.qualifiedName)>", at: start)
                }
                open.element.text = String(decoding: open.text, as: UTF8.self)
                if stack.isEmpty { return open.element }
                if open.keeping != nil { stack[stack.count - 1].element.children.append(open.element) }
            } else if starts("<!--") {
                try skip(past: "-->", what: "comment")
            } else if starts("<![CDATA[") {
                let start = index
                index += 9
                guard let end = find("]]>", from: index) else { throw fail("unterminated CDATA section", at: start) }
                if let last = stack.indices.last, stack[last].keeping != nil { stack[last].text += bytes[index..<end] }
                index = end + 3
            } else if starts("<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if bytes[index] == UInt8(ascii: "<") {
                let (qualified, element, selfClosing) = try startTag()
                let kept = keeping(element.name)
                if selfClosing {
                    if stack.isEmpty { return element }
                    if kept != nil { stack[stack.count - 1].element.children.append(element) }
                } else {
                    stack.append((element, qualified, [], kept))
                }
            } else {
                // Character data up to the next markup.
                let start = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
                guard let last = stack.indices.last else { throw fail("text outside the root element", at: start) }
                let text = try decodeEntities(start..<index)
                if stack[last].keeping != nil { stack[last].text += text }
            }
        }
    }

    /// `<name attr="v" …>` or `<name … />`; the cursor is on `<`.
    mutating func startTag() throws(XMLDocument.SyntaxError) -> (String, XMLElement, Bool) {
        index += 1
        let qualified = try readName()
        var attributes: [String: String] = [:]
        while true {
            let hadSpace = skipSpace()
            guard index < bytes.count else { throw fail("unterminated start tag <\(qualified)") }
            if bytes[index] == UInt8(ascii: ">") {
                index += 1
                return (qualified, XMLElement(name: Self.localName(qualified), attributes: attributes), false)
            }
            if starts("/>") {
                index += 2
                return (qualified, XMLElement(name: Self.localName(qualified), attributes: attributes), true)
            }
            guard hadSpace else { throw fail("expected whitespace before an attribute in <\(qualified)>") }
            let name = try readName()
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw fail("expected = after attribute \(name)") }
            index += 1
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw fail("expected a quoted value for attribute \(name)")
            }
            let quote = bytes[index]
            index += 1
            let start = index
            while index < bytes.count, bytes[index] != quote {
                if bytes[index] == UInt8(ascii: "<") { throw fail("< in the value of attribute \(name)") }
                index += 1
            }
            guard index < bytes.count else { throw fail("unterminated value of attribute \(name)", at: start) }
            let value = String(decoding: try decodeEntities(start..<index), as: UTF8.self)
            index += 1
            let key = name == "xmlns" || name.hasPrefix("xmlns:") ? name : Self.localName(name)
            guard attributes[key] == nil else { throw fail("attribute \(name) repeated in <\(qualified)>", at: start) }
            attributes[key] = value
        }
    }

    /// A name: everything up to whitespace or markup punctuation.
    mutating func readName() throws(XMLDocument.SyntaxError) -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
                || byte == UInt8(ascii: "<") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
            {
                break
            }
            index += 1
        }
        guard index > start else { throw fail("expected a name") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// The bytes of `range` with entity and character references replaced.
    func decodeEntities(_ range: Range<Int>) throws(XMLDocument.SyntaxError) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            guard bytes[i] == UInt8(ascii: "&") else {
                out.append(bytes[i])
                i += 1
                continue
            }
            guard let semicolon = bytes[i..<range.upperBound].firstIndex(of: UInt8(ascii: ";")), semicolon - i <= 12 else {
                throw fail("unterminated entity reference", at: i)
            }
            let entity = String(decoding: bytes[(i + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "amp": out.append(UInt8(ascii: "&"))
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                let code: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    code = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    code = UInt32(entity.dropFirst(), radix: 10)
                } else {
                    throw fail("unknown entity &\(entity);", at: i)
                }
                guard let code, code != 0, let scalar = Unicode.Scalar(code) else {
                    throw fail("invalid character reference &\(entity);", at: i)
                }
                out += Array(String(Character(scalar)).utf8)
            }
            i = semicolon + 1
        }
        return out
    }

    mutating func skip(past terminator: String, what: String) throws(XMLDocument.SyntaxError) {
        let start = index
        guard let end = find(terminator, from: index + 2) else { throw fail("unterminated \(what)", at: start) }
        index = end + terminator.utf8.count
    }

    /// The offset of the next `needle` at or after `start`.
    func find(_ needle: String, from start: Int) -> Int? {
        let pattern = Array(needle.utf8)
        var i = start
        while i + pattern.count <= bytes.count {
            if bytes[i] == pattern[0], bytes[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
            i += 1
        }
        return nil
    }

    func starts(_ prefix: String) -> Bool {
        let pattern = prefix.utf8
        guard index + pattern.count <= bytes.count else { return false }
        return bytes[index..<(index + pattern.count)].elementsEqual(pattern)
    }

    @discardableResult
    mutating func skipSpace() -> Bool {
        let start = index
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        return index > start
    }

    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    static func localName(_ qualified: String) -> String {
        guard let colon = qualified.lastIndex(of: ":") else { return qualified }
        return String(qualified[qualified.index(after: colon)...])
    }
}
