import FakeGitHub
import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

struct XMLDocumentTests {
    @Test("with a selection, only the selected elements are built; the others are still checked")
    func selectionBuildsOnlyWhatItKeeps() throws {
        let xml = """
            <R xmlns:p="urn:x"><next>t</next><set><item><id>1</id><big><a>x</a><b/></big></item>
            <item><p:id>2</p:id><big>y</big>z</item></set><requestId>r</requestId></R>
            """
        let selection = FieldSelection.keys(["next": .all, "set": .keys(["item": .keys(["id": .all])])])
        let root = try XMLDocument.parse(Array(xml.utf8), keeping: selection)
        #expect(root.children.map(\.name) == ["next", "set"])
        let items = try #require(root.first("set")).all("item")
        #expect(items.map { $0.children.map(\.name) } == [["id"], ["id"]])
        #expect(items.map { $0.value("id") } == ["1", "2"])
        #expect(items[1].text == "z", "a kept element's own text stays")
        #expect(throws: XMLDocument.SyntaxError.self) {
            try XMLDocument.parse(Array("<R><set><big><a></b></big></set></R>".utf8), keeping: selection)
        }
    }

    @Test func parsesAnEC2StyleAnswerWithNamespacesAndDeclaration() throws {
        let root = try XMLDocument.parse(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment before the root -->
            <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
                <requestId>req-1</requestId>
                <reservationSet>
                    <item><instanceId>i-1</instanceId></item>
                    <!-- skipped -->
                    <item><instanceId>i-2</instanceId><ec2:tag xmlns:ec2="urn:x" ec2:key='Name'/></item>
                </reservationSet>
            </DescribeInstancesResponse>
            """)
        #expect(root.name == "DescribeInstancesResponse")
        #expect(root.attributes["xmlns"] == "http://ec2.amazonaws.com/doc/2016-11-15/")
        #expect(root.value("requestId") == "req-1")
        let items = try #require(root.first("reservationSet")).all("item")
        #expect(items.map { $0.value("instanceId") } == ["i-1", "i-2"])
        let tag = try #require(items[1].first("tag"))
        #expect(tag.attributes == ["xmlns:ec2": "urn:x", "key": "Name"])
        #expect(root.value("missing") == nil)
        #expect(root.descendant("instanceId")?.text == "i-1")
    }

    @Test func decodesEntitiesCharacterReferencesAndCDATA() throws {
        let root = try XMLDocument.parse(
            "<a t=\"&quot;x&quot; &amp; y\">1 &lt; 2 &gt; 0 &apos;&#65;&#x42;&#x1F600;<![CDATA[<raw> & ]]>end</a>")
        #expect(root.text == "1 < 2 > 0 'AB😀<raw> & end")
        #expect(root.attributes["t"] == "\"x\" & y")
    }

    @Test func keepsTextOfTheElementItselfNotItsChildren() throws {
        let root = try XMLDocument.parse("<a>one<b>two</b>three</a>")
        #expect(root.text == "onethree")
        #expect(root.value("b") == "two")
        #expect(try XMLDocument.parse("<a/>") == XMLElement(name: "a"))
        #expect(try XMLDocument.parse("<a><![CDATA[]]></a>").text == "")
    }

    @Test func namesTheByteOffsetOfSyntaxErrors() {
        let cases: [(String, Int, String)] = [
            ("<a><b></a>", 6, "</a> does not close <b>"),
            ("<a>&bogus;</a>", 3, "unknown entity &bogus;"),
            ("<a>", 3, "unexpected end of document"),
            ("", 0, "no root element"),
            ("<a></a><b/>", 7, "content after the root element"),
            ("<a x=1/>", 5, "expected a quoted value"),
            ("<a>&#0;</a>", 3, "invalid character reference"),
            ("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", 12, "DTD internal subsets"),
        ]
        for (text, offset, reason) in cases {
            do {
                _ = try XMLDocument.parse(text)
                Issue.record("parsed \(text)")
            } catch {
                #expect(error.offset == offset, "\(text)")
                #expect(error.description.hasPrefix("invalid XML at byte \(offset): \(reason)"), "\(text): \(error)")
            }
        }
    }

    @Test func parsesDeepNesting() throws {
        let depth = 1_000
        let text = String(repeating: "<a>", count: depth) + "x" + String(repeating: "</a>", count: depth)
        var element = try XMLDocument.parse(text)
        var levels = 1
        while let child = element.children.first {
            element = child
            levels += 1
        }
        #expect(levels == depth)
        #expect(element.text == "x")
    }

    // MARK: Bodies reduced as they arrive

    @Test("a body reduced by XMLSelectionFilter, in any pieces, parses to what the parser keeps of the whole")
    func reducedBodiesParseToWhatTheParserKeeps() throws {
        var random = SeededGenerator(seed: 23)
        for round in 0..<300 {
            let text = Array(("<?xml version=\"1.0\"?>\n" + Self.element(depth: 0, &random)).utf8)
            let selection = Self.selection(depth: 0, &random)
            let expected = try XMLDocument.parse(text, keeping: selection)
            let pieces = (0..<3).map { _ in Int(random.next() % 40) + 1 }
            var filter = XMLSelectionFilter(keeping: selection)
            var start = 0
            var piece = 0
            while start < text.count {
                let end = min(text.count, start + pieces[piece % pieces.count])
                text[start..<end].withUnsafeBytes { filter.consume($0) }
                start = end
                piece += 1
            }
            let output = try filter.finish()
            #expect(try XMLDocument.parse(output) == expected, "round \(round): \(String(decoding: text, as: UTF8.self))")
            #expect(output.count <= text.count)
        }
    }

    private static let names = ["item", "id", "ec2:item", "tagSet", "key", "value", "x"]

    /// An element with attributes (a `>` in some values), text with entities, CDATA, comments
    /// and children, some self-closing.
    private static func element(depth: Int, _ random: inout SeededGenerator) -> String {
        let name = names[Int(random.next() % UInt64(names.count))]
        let attributes = ["", " a=\"1 > 0\"", " b='x'", " xmlns:ec2=\"urn:x\""][Int(random.next() % 4)]
        if depth > 0, random.next() % 5 == 0 { return "<\(name)\(attributes)/>" }
        var content = ""
        for _ in 0..<(depth > 3 ? 0 : Int(random.next() % 4)) {
            switch random.next() % 6 {
            case 0: content += "t &amp; &lt;\(depth)&gt; "
            case 1: content += "<![CDATA[<raw> ]]]>"
            case 2: content += "<!-- c > d -->"
            case 3: content += "\n  "
            default: content += element(depth: depth + 1, &random)
            }
        }
        return "<\(name)\(attributes)>\(content)</\(name)>"
    }

    /// A selection by the generator's local names, `.all` here and there.
    private static func selection(depth: Int, _ random: inout SeededGenerator) -> FieldSelection {
        if random.next() % 6 == 0 { return .all }
        var keys: [String: FieldSelection] = [:]
        for name in ["item", "id", "tagSet", "key", "x"] where depth < 4 && random.next() % 2 == 0 {
            keys[name] = selection(depth: depth + 1, &random)
        }
        return .keys(keys)
    }
}
