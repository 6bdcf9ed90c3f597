import Testing

@testable import Pipeline

@Suite("XMLSelectionFilter")
struct XMLSelectionFilterTests {
    /// The filter's output for `text` fed in pieces of the given sizes (cycled), or its error.
    static func filter(
        _ text: [UInt8], keeping selection: FieldSelection, pieces: [Int] = [Int.max]
    ) -> Result<[UInt8], XMLSyntaxError> {
        var filter = XMLSelectionFilter(keeping: selection)
        var start = 0
        var piece = 0
        while start < text.count {
            let end = min(text.count, start + max(1, min(pieces[piece % pieces.count], text.count)))
            text[start..<end].withUnsafeBytes { filter.consume($0) }
            start = end
            piece += 1
        }
        return Result { () throws(XMLSyntaxError) in try filter.finish() }
    }

    private func filtered(_ text: String, keeping selection: FieldSelection, pieces: [Int] = [Int.max]) throws -> String {
        String(decoding: try Self.filter(Array(text.utf8), keeping: selection, pieces: pieces).get(), as: UTF8.self)
    }

    static let instanceSelection = FieldSelection.keys([
        "nextToken": .all,
        "reservationSet": .keys(["item": .keys(["instancesSet": .keys(["item": .keys(["instanceId": .all])])])]),
    ])

    static let page = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- before the root -->
        <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
        <requestId>r-1</requestId>
        <reservationSet><item><reservationId>r-9</reservationId><instancesSet>\
        <item><instanceId>i-1</instanceId><tagSet><item><key>a&gt;b</key></item></tagSet></item>\
        <ec2:item xmlns:ec2="urn:x" note='1 > 0'><ec2:instanceId>i-2</ec2:instanceId><monitoring/></ec2:item>\
        </instancesSet></item></reservationSet>
        <nextToken><![CDATA[t<1>]]></nextToken>
        </DescribeInstancesResponse>
        """

    @Test("keeps only the selected elements, their markup and text as written; comments and declarations go")
    func keepsSelectedElements() throws {
        #expect(
            try filtered(Self.page, keeping: Self.instanceSelection)
                == "\n\n<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n\n"
                + "<reservationSet><item><instancesSet><item><instanceId>i-1</instanceId></item>"
                + "<ec2:item xmlns:ec2=\"urn:x\" note='1 > 0'><ec2:instanceId>i-2</ec2:instanceId></ec2:item>"
                + "</instancesSet></item></reservationSet>\n<nextToken><![CDATA[t<1>]]></nextToken>\n"
                + "</DescribeInstancesResponse>")
        #expect(
            try filtered(Self.page, keeping: .none)
                == "\n\n<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n\n\n\n</DescribeInstancesResponse>"
        )
    }

    @Test("gives the same output whatever the sizes of the pieces the text arrives in")
    func sameOutputForAnyPieces() throws {
        let whole = try filtered(Self.page, keeping: Self.instanceSelection)
        for size in 1...40 {
            #expect(try filtered(Self.page, keeping: Self.instanceSelection, pieces: [size]) == whole, "pieces of \(size)")
        }
        #expect(try filtered(Self.page, keeping: Self.instanceSelection, pieces: [1, 13, 2, 100]) == whole)
    }

    @Test("a > inside a quoted attribute, a comment or a CDATA section does not end it, in any split")
    func greaterThanInsideMarkup() throws {
        let text = "<r><a t='x>y' u=\"p>q\">1</a><!-- a > b -- c --><b><![CDATA[ ]> ]]]></b><c x='>'/></r>"
        let keepAll = FieldSelection.keys(["a": .all, "b": .all, "c": .all])
        let expected = "<r><a t='x>y' u=\"p>q\">1</a><b><![CDATA[ ]> ]]]></b><c x='>'/></r>"
        let dropAll = "<r></r>"
        for size in 1...12 {
            #expect(try filtered(text, keeping: keepAll, pieces: [size]) == expected, "pieces of \(size)")
            #expect(try filtered(text, keeping: .none, pieces: [size]) == dropAll, "pieces of \(size)")
        }
    }

    @Test("an end tag that closes another element stops the filter, at its offset, kept or dropped")
    func mismatchedEndTags() throws {
        for (text, reason, offset) in [
            ("<R><set><big><a></b></big></set></R>", "</b> does not close <a>", 16),
            ("<R><set></R>", "</R> does not close <set>", 8),
        ] {
            for pieces in [[Int.max], [1], [3]] {
                guard case .failure(let error) = Self.filter(Array(text.utf8), keeping: .keys(["set": .none]), pieces: pieces)
                else {
                    Issue.record("accepted \(text)")
                    continue
                }
                #expect(error.reason == reason)
                #expect(error.offset == offset)
            }
        }
    }

    @Test(
        "markup cut off by the end of the text is an error naming it, at its offset",
        arguments: [
            ("<R><a>1</a><b x='1", "unterminated start tag", 11),
            ("<R><a>1</a></a", "unterminated end tag", 11),
            ("<R><!-- open", "unterminated comment", 3),
            ("<R><![CDATA[ x ]]", "unterminated CDATA section", 3),
            ("<?xml version='1.0'", "unterminated processing instruction", 0),
            ("<R><!", "unterminated markup", 3),
        ])
    func cutOffMarkup(text: String, reason: String, offset: Int) {
        for pieces in [[Int.max], [1], [4]] {
            guard case .failure(let error) = Self.filter(Array(text.utf8), keeping: .all, pieces: pieces) else {
                Issue.record("accepted \(text)")
                continue
            }
            #expect(error.reason == reason, "pieces \(pieces)")
            #expect(error.offset == offset, "pieces \(pieces)")
        }
    }

    @Test("keeps the whole text when the selection keeps everything")
    func keepsEverything() throws {
        let text = "<a x='1'><b>t &amp; u</b><c/>tail</a>"
        #expect(try filtered(text, keeping: .all, pieces: [2]) == text)
    }
}
