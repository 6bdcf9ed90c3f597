/// Reduces XML text to the elements a `FieldSelection` keeps (by local names, from the root's
/// children down) while its bytes arrive, so that a large answer is never held whole: a page
/// of 1,000 EC2 instances (megabytes of XML) leaves the few dozen KB of fields a stage reads.
///
/// Parsing the output with the same selection gives what parsing the whole text with it gives
/// (`XMLDocument.parse(_:keeping:)` in the AWS client). Kept markup and text are copied as
/// written (entities still encoded); comments and processing instructions go. Of the elements
/// the selection drops, tags are matched (an end tag must close the element open) but not read
/// further: attributes, entities and text are crossed unchecked.
///
///     var filter = XMLSelectionFilter(keeping: selection)
///     chunk.withUnsafeBytes { filter.consume($0) }   // as often as bytes arrive
///     let kept = try filter.finish()                 // throws XMLSyntaxError
///
/// An end tag that closes another element, and markup cut off by the end of the text, stop the
/// filter; `finish()` throws the first, at its offset in the original text. Other errors are
/// left to the parser of the output (at offsets in the output).
public struct XMLSelectionFilter: Sendable {
    private let root: SelectionMatcher
    /// What each open kept element keeps, the root's first.
    private var open: [SelectionMatcher] = []
    /// Elements open inside a dropped one, itself included; 0 when nothing is being dropped.
    private var droppedDepth = 0
    /// The qualified names of every open element, kept or dropped, end to end, and where each starts.
    private var names: [UInt8] = []
    private var nameStarts: [Int] = []
    private var failure: XMLSyntaxError?
    /// Markup whose end has not arrived yet (always starts with `<`).
    private var pending: [UInt8] = []
    private var output: [UInt8] = []
    /// Bytes read so far: where the next `consume` starts in the whole text.
    private var offset = 0

    public init(keeping selection: FieldSelection) { self.root = SelectionMatcher(selection) }

    /// Reads the next bytes of the text.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !bytes.isEmpty else { return }
        var start = 0
        // Complete the markup the last bytes cut off, a `>` at a time (a `>` may sit inside a
        // quoted attribute value or a comment), then go on in `bytes` where it ended.
        while !pending.isEmpty, start < bytes.count {
            let close = bytes.index(of: UInt8(ascii: ">"), from: start).map { $0 + 1 } ?? bytes.count
            let carried = pending.count
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<close]))
            let markup = pending
            let used = markup.withUnsafeBytes { scan($0, base: offset + start - carried) }
            pending = Array(markup[used...])
            start = close
        }
        if start < bytes.count, failure == nil {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
            let used = scan(rest, base: offset + start)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[used...]))
        }
        offset += bytes.count
    }

    /// The kept text once every byte was read; throws for markup the text cut off.
    public mutating func finish() throws(XMLSyntaxError) -> [UInt8] {
        if let failure { throw failure }
        if !pending.isEmpty {
            let what = Self.kind(of: pending).map(\.name) ?? "markup"
            throw XMLSyntaxError(offset: offset - pending.count, reason: "unterminated \(what)")
        }
        defer { output = [] }
        return output
    }

    /// Reads text and whole markup from the start of `bytes`; returns how many bytes it used
    /// (the rest is one markup whose end is not there yet). `base` is where `bytes` starts in
    /// the whole text.
    private mutating func scan(_ bytes: UnsafeRawBufferPointer, base: Int) -> Int {
        var index = 0
        while index < bytes.count, failure == nil {
            guard bytes[index] == UInt8(ascii: "<") else {
                let end = bytes.index(of: UInt8(ascii: "<"), from: index) ?? bytes.count
                if droppedDepth == 0 { write(bytes, index..<end) }
                index = end
                continue
            }
            guard let kind = Self.kind(of: UnsafeRawBufferPointer(rebasing: bytes[index...])),
                let end = Self.end(of: kind, in: bytes, from: index)
            else { return index }
            handle(kind, bytes, index..<end, base: base)
            index = end
        }
        return bytes.count
    }

    private enum Kind {
        case startTag, endTag, comment, cdata, processingInstruction, declaration

        var name: String {
            switch self {
            case .startTag: "start tag"
            case .endTag: "end tag"
            case .comment: "comment"
            case .cdata: "CDATA section"
            case .processingInstruction: "processing instruction"
            case .declaration: "DOCTYPE"
            }
        }
    }

    /// The kind of the markup `bytes` starts with (at its `<`); nil until enough bytes arrived
    /// to tell.
    private static func kind<Bytes: Collection<UInt8>>(of bytes: Bytes) -> Kind? {
        var iterator = bytes.dropFirst().makeIterator()
        switch iterator.next() {
        case nil: return nil
        case UInt8(ascii: "/"): return .endTag
        case UInt8(ascii: "?"): return .processingInstruction
        case UInt8(ascii: "!"):
            let rest = bytes.dropFirst(2)
            for (prefix, kind) in [("--", Kind.comment), ("[CDATA[", .cdata)] {
                if rest.starts(with: prefix.utf8) { return kind }
                if prefix.utf8.starts(with: rest) { return nil }  // too few bytes yet
            }
            return .declaration
        default: return .startTag
        }
    }

    /// Where the markup at `start` ends (just after its last byte); nil if not in `bytes`.
    private static func end(of kind: Kind, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        switch kind {
        case .comment: return find("-->", in: bytes, from: start + 4)
        case .cdata: return find("]]>", in: bytes, from: start + 9)
        case .processingInstruction: return find("?>", in: bytes, from: start + 2)
        case .endTag, .declaration: return bytes.index(of: UInt8(ascii: ">"), from: start).map { $0 + 1 }
        case .startTag:
            // A `>` inside a quoted attribute value does not end the tag.
            var index = start + 1
            var quote: UInt8?
            while index < bytes.count {
                let byte = bytes[index]
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: ">") {
                    return index + 1
                }
                index += 1
            }
            return nil
        }
    }

    private mutating func handle(_ kind: Kind, _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, base: Int) {
        switch kind {
        case .comment, .processingInstruction:
            return
        case .cdata, .declaration:
            if droppedDepth == 0 { write(bytes, range) }
        case .endTag:
            let name = Self.name(bytes, from: range.lowerBound + 2, before: range.upperBound)
            guard let start = nameStarts.last else {
                // Nothing open: left for the parser to name.
                write(bytes, range)
                return
            }
            guard names[start...].elementsEqual(name) else {
                let open = String(decoding: names[start...], as: UTF8.self)
                fail("</\(String(decoding: name, as: UTF8.self))> does not close <\(open)>", at: base + range.lowerBound)
                return
            }
            names.removeSubrange(start...)
            nameStarts.removeLast()
            if droppedDepth > 0 {
                droppedDepth -= 1
            } else {
                open.removeLast()
                write(bytes, range)
            }
        case .startTag:
            let selfClosing = bytes[range.upperBound - 2] == UInt8(ascii: "/")
            let name = Self.name(bytes, from: range.lowerBound + 1, before: range.upperBound)
            if !selfClosing {
                nameStarts.append(names.count)
                names.append(contentsOf: name)
            }
            if droppedDepth > 0 {
                if !selfClosing { droppedDepth += 1 }
                return
            }
            // The root is kept whatever its name; the selection starts at its children.
            let kept = open.isEmpty ? root : open[open.count - 1].child(Self.localName(name))
            guard let kept else {
                if !selfClosing { droppedDepth = 1 }
                return
            }
            write(bytes, range)
            if !selfClosing { open.append(kept) }
        }
    }

    /// The name that starts at `start`: up to whitespace, `/` or `>`.
    private static func name(_ bytes: UnsafeRawBufferPointer, from start: Int, before end: Int) -> UnsafeRawBufferPointer {
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: "/")
                || byte == UInt8(ascii: ">")
            {
                break
            }
            index += 1
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<index])
    }

    /// `item` of `ec2:item`.
    private static func localName(_ name: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let colon = name.lastIndex(of: UInt8(ascii: ":")) else { return name }
        return UnsafeRawBufferPointer(rebasing: name[(colon + 1)...])
    }

    private mutating func fail(_ reason: String, at offset: Int) {
        failure = XMLSyntaxError(offset: offset, reason: reason)
        output = []
        pending = []
    }

    private mutating func write(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) {
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    /// Just after the first `terminator` at or after `start`.
    private static func find(_ terminator: StaticString, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        let pattern = UnsafeRawBufferPointer(start: terminator.utf8Start, count: terminator.utf8CodeUnitCount)
        var index = start
        while let last = bytes.index(of: pattern[pattern.count - 1], from: index + pattern.count - 1) {
            let first = last - pattern.count + 1
            if first >= start, bytes[first...last].elementsEqual(pattern) { return last + 1 }
            index = first + 1
        }
        return nil
    }
}
