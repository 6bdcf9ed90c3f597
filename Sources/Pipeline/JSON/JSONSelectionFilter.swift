/// Reduces JSON text to what a `FieldSelection` keeps while its bytes arrive, so that a large
/// answer is never held whole: a page of 100 workflow runs (about 800 KB) leaves the few KB of
/// fields the stages read.
///
/// Parsing the output with the same selection gives what parsing the whole text with it gives
/// (`JSONParser.parse(_:keeping:)`). Of the strings, arrays and objects the selection drops,
/// only the extent is followed (where strings end, brackets outside them), not checked in
/// detail: that is most of a page, crossed at well under an instruction a byte.
/// The output is minified; kept strings and numbers keep their original spelling.
///
///     var filter = JSONSelectionFilter(keeping: selection)
///     chunk.withUnsafeBytes { filter.consume($0) }   // as often as bytes arrive
///     let kept = try filter.finish()                 // throws JSONParser.SyntaxError
///
/// Invalid text stops the filter at the first error; `finish()` throws it, with the line and
/// column in the original text.
public struct JSONSelectionFilter: Sendable {
    /// A container being read: what its values keep, whether it is written out, and how many
    /// of its values were written (for commas).
    private struct Frame: Sendable {
        var isObject: Bool
        var selection: Keep
        var writes: Bool
        var written = 0
    }

    private typealias Keep = SelectionMatcher

    private enum State: Sendable {
        /// Between tokens: what may come next.
        case expect(Expect)
        case string(isKey: Bool)
        case escape(isKey: Bool)
        case unicodeEscape(isKey: Bool, digitsLeft: Int)
        case number
        case literal(first: UInt8, matched: Int)
        /// Inside a dropped string, array or object: `depth` containers open, in a string or not,
        /// just after a backslash or not.
        case dropping(depth: Int, inString: Bool, escaped: Bool)
    }

    private enum Expect: Sendable {
        case value
        /// After `[`: a value or `]`.
        case valueOrEnd
        /// After `{`: a key or `}`.
        case keyOrEnd
        /// After `,` in an object.
        case key
        case colon
        /// After a value inside a container.
        case commaOrEnd
        /// After the top-level value: only whitespace.
        case end
    }

    private let root: Keep
    private var stack: [Frame] = []
    private var state = State.expect(.value)
    /// Whether the scalar being read is written out.
    private var writesScalar = false
    /// What the value after the key just read keeps, and whether it is written.
    private var nextSelection = Keep.all
    private var nextWrites = false
    /// The raw bytes of the key being read (escapes as written).
    private var key: [UInt8] = []
    private var keyHasEscape = false
    private var output: [UInt8] = []
    private var failure: JSONParser.SyntaxError?
    /// Where the bytes of the next `consume` start in the whole text, and the current line.
    private var offset = 0
    private var line = 1
    private var lineStart = 0

    public init(keeping selection: FieldSelection) { self.root = Keep(selection) }

    /// Reads the next bytes of the text.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !bytes.isEmpty else { return }
        var index = 0
        while index < bytes.count, failure == nil {
            index = step(bytes, at: index)
        }
        offset += bytes.count
    }

    /// The kept text once every byte was read; throws the first syntax error, or one for text
    /// that ended early.
    public mutating func finish() throws(JSONParser.SyntaxError) -> [UInt8] {
        if let failure { throw failure }
        switch state {
        case .expect(.end): break
        case .number where stack.isEmpty: break
        default: fail("unexpected end of input", at: offset)
        }
        if let failure { throw failure }
        defer { output = [] }
        return output
    }

    /// Handles the byte at `index` (and, inside a string, every plain byte after it); returns
    /// where to go on.
    private mutating func step(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        let byte = bytes[index]
        switch state {
        case .string(let isKey):
            let end = JSONParser.plainStringEnd(in: bytes, from: index)
            if end > index {
                keep(bytes, index..<end, isKey: isKey)
                return end
            }
            switch byte {
            case UInt8(ascii: "\""):
                if isKey {
                    endBufferedKey()
                } else {
                    if writesScalar { output.append(byte) }
                    endValue()
                }
            case UInt8(ascii: "\\"):
                keep(byte, isKey: isKey)
                if isKey { keyHasEscape = true }
                state = .escape(isKey: isKey)
            default:
                fail("control character in a string", at: offset + index)
            }
            return index + 1
        case .escape(let isKey):
            guard "\"\\/bfnrtu".utf8.contains(byte) else {
                fail("invalid escape in a string", at: offset + index)
                return index
            }
            keep(byte, isKey: isKey)
            state = byte == UInt8(ascii: "u") ? .unicodeEscape(isKey: isKey, digitsLeft: 4) : .string(isKey: isKey)
            return index + 1
        case .unicodeEscape(let isKey, let left):
            guard Self.isHexDigit(byte) else {
                fail("invalid \\u escape", at: offset + index)
                return index
            }
            keep(byte, isKey: isKey)
            state = left == 1 ? .string(isKey: isKey) : .unicodeEscape(isKey: isKey, digitsLeft: left - 1)
            return index + 1
        case .number:
            guard Self.isNumberByte(byte) else {
                endValue()
                return index  // the byte after the number is read in the new state
            }
            if writesScalar { output.append(byte) }
            return index + 1
        case .literal(let first, let matched):
            let literal: StaticString =
                switch first {
                case UInt8(ascii: "t"): "true"
                case UInt8(ascii: "f"): "false"
                default: "null"
                }
            guard byte == literal.utf8Start[matched] else {
                fail("invalid literal", at: offset + index)
                return index
            }
            if writesScalar { output.append(byte) }
            if matched + 1 == literal.utf8CodeUnitCount {
                endValue()
            } else {
                state = .literal(first: first, matched: matched + 1)
            }
            return index + 1
        case .dropping(let depth, let inString, let escaped):
            return drop(bytes, from: index, depth: depth, inString: inString, escaped: escaped)
        case .expect(let expected):
            switch byte {
            case 0x20, 0x09, 0x0D: return index + 1
            case 0x0A:
                line += 1
                lineStart = offset + index + 1
                return index + 1
            case UInt8(ascii: "\"") where expected == .key || expected == .keyOrEnd:
                // Most keys lie whole in one piece, without escapes: matched where they are.
                let end = JSONParser.plainStringEnd(in: bytes, from: index + 1)
                if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                    endKey(UnsafeRawBufferPointer(rebasing: bytes[(index + 1)..<end]))
                    return end + 1
                }
            default: break
            }
            expect(expected, byte, at: index)
            return index + 1
        }
    }

    /// A byte that starts a token (or closes a container) where `expected` says what may come.
    private mutating func expect(_ expected: Expect, _ byte: UInt8, at index: Int) {
        switch expected {
        case .value, .valueOrEnd:
            if expected == .valueOrEnd, byte == UInt8(ascii: "]") { return close() }
            beginValue(byte, at: index)
        case .keyOrEnd, .key:
            if expected == .keyOrEnd, byte == UInt8(ascii: "}") { return close() }
            guard byte == UInt8(ascii: "\"") else { return fail("expected a string key", at: offset + index) }
            state = .string(isKey: true)
        case .colon:
            guard byte == UInt8(ascii: ":") else { return fail("expected ':'", at: offset + index) }
            state = .expect(.value)
        case .commaOrEnd:
            let isObject = stack[stack.count - 1].isObject
            if byte == UInt8(ascii: ",") {
                state = .expect(isObject ? .key : .value)
            } else if byte == UInt8(ascii: isObject ? "}" : "]") {
                close()
            } else {
                fail(isObject ? "expected ',' or '}'" : "expected ',' or ']'", at: offset + index)
            }
        case .end:
            fail("unexpected text after the value", at: offset + index)
        }
    }

    /// The first byte of a value: what it keeps comes from its key, its array, or the root.
    private mutating func beginValue(_ byte: UInt8, at index: Int) {
        // The parser's bound, on the same count: the root value is at depth 0.
        guard stack.count <= JSONParser.maxDepth else {
            return fail("nesting deeper than \(JSONParser.maxDepth)", at: offset + index)
        }
        var selection = root
        var writes = true
        if let top = stack.indices.last {
            if stack[top].isObject {
                selection = nextSelection
                writes = nextWrites
            } else {
                selection = stack[top].selection
                writes = stack[top].writes
                if writes {
                    if stack[top].written > 0 { output.append(UInt8(ascii: ",")) }
                    stack[top].written += 1
                }
            }
        }
        if !writes, byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "\"") {
            // Most of a listing page is dropped: read past it without the token machinery.
            let isString = byte == UInt8(ascii: "\"")
            state = .dropping(depth: isString ? 0 : 1, inString: isString, escaped: false)
            return
        }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            if writes { output.append(byte) }
            let isObject = byte == UInt8(ascii: "{")
            stack.append(Frame(isObject: isObject, selection: selection, writes: writes))
            state = .expect(isObject ? .keyOrEnd : .valueOrEnd)
        case UInt8(ascii: "\""):
            writesScalar = writes
            if writes { output.append(byte) }
            state = .string(isKey: false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            writesScalar = writes
            if writes { output.append(byte) }
            state = .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            writesScalar = writes
            if writes { output.append(byte) }
            state = .literal(first: byte, matched: 1)
        default:
            fail("unexpected character '\(Character(Unicode.Scalar(byte)))'", at: offset + index)
        }
    }

    /// Reads past a dropped value from `start`: only its extent is followed (its strings' ends,
    /// brackets outside them); returns where it ended, or the end of the bytes. Strings, most of
    /// a page, are crossed with `memchr` for their closing quote.
    private mutating func drop(
        _ bytes: UnsafeRawBufferPointer, from start: Int, depth: Int, inString: Bool, escaped: Bool
    ) -> Int {
        var depth = depth
        var inString = inString
        var escaped = escaped
        var index = start
        while index < bytes.count {
            if escaped {
                escaped = false
                index += 1
            } else if inString {
                // At `index` no escape is pending, so a run of backslashes from there counts whole.
                let end = bytes.index(of: UInt8(ascii: "\""), from: index) ?? bytes.count
                var run = 0
                while end - run - 1 >= index, bytes[end - run - 1] == UInt8(ascii: "\\") { run += 1 }
                guard end < bytes.count else {
                    escaped = run % 2 == 1
                    index = end
                    break
                }
                index = end + 1
                if run % 2 == 1 { continue }  // an escaped quote
                inString = false
                if depth == 0 {
                    endValue()
                    return index
                }
            } else {
                switch bytes[index] {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    guard stack.count + depth <= JSONParser.maxDepth + 1 else {
                        fail("nesting deeper than \(JSONParser.maxDepth)", at: offset + index)
                        return index
                    }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        endValue()
                        return index + 1
                    }
                case 0x0A:
                    line += 1
                    lineStart = offset + index + 1
                default: break
                }
                index += 1
            }
        }
        state = .dropping(depth: depth, inString: inString, escaped: escaped)
        return index
    }

    /// A key read in pieces (or with escapes) is complete.
    private mutating func endBufferedKey() {
        let written = key
        // Escapes are rare in keys: the parser decodes them.
        let name =
            keyHasEscape
            ? Array(((try? JSONParser.parse([UInt8(ascii: "\"")] + key + [UInt8(ascii: "\"")]))?.string ?? "").utf8) : key
        name.withUnsafeBytes { endKey($0, written: written) }
        key.removeAll(keepingCapacity: true)
        keyHasEscape = false
    }

    /// A key is complete (`name` decoded; `written` as it appeared, if that differs): decides
    /// whether its value is kept, and writes the key if so.
    private mutating func endKey(_ name: UnsafeRawBufferPointer, written: [UInt8]? = nil) {
        let top = stack.count - 1
        nextWrites = false
        if stack[top].writes, let child = stack[top].selection.child(name) {
            if stack[top].written > 0 { output.append(UInt8(ascii: ",")) }
            stack[top].written += 1
            output.append(UInt8(ascii: "\""))
            if let written { output.append(contentsOf: written) } else { output.append(contentsOf: name) }
            output.append(UInt8(ascii: "\""))
            output.append(UInt8(ascii: ":"))
            nextSelection = child
            nextWrites = true
        }
        state = .expect(.colon)
    }

    private mutating func close() {
        let frame = stack.removeLast()
        if frame.writes { output.append(UInt8(ascii: frame.isObject ? "}" : "]")) }
        endValue()
    }

    private mutating func endValue() { state = .expect(stack.isEmpty ? .end : .commaOrEnd) }

    private mutating func keep(_ byte: UInt8, isKey: Bool) {
        if isKey {
            key.append(byte)
        } else if writesScalar {
            output.append(byte)
        }
    }

    private mutating func keep(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, isKey: Bool) {
        if isKey {
            key.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range]))
        } else if writesScalar {
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }

    private mutating func fail(_ reason: String, at position: Int) {
        guard failure == nil else { return }
        failure = JSONParser.SyntaxError(
            offset: position, reason: reason, line: line, column: position - lineStart + 1)
        output = []
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
            UInt8(ascii: "e"), UInt8(ascii: "E"):
            true
        default: false
        }
    }
}
