import Testing

@testable import Pipeline

@Suite("SecretReference")
struct SecretReferenceTests {
    @Test("a name, or a name and one key after #")
    func parsing() {
        #expect(SecretReference("github/dashboard-token") == SecretReference(name: "github/dashboard-token", key: nil))
        #expect(SecretReference("datadog/keys#api_key")?.key == "api_key")
        #expect(SecretReference("a#b#c")?.key == "b#c", "only the first # separates")
        #expect(SecretReference("") == nil)
        #expect(SecretReference("#key") == nil)
        #expect(SecretReference("name#") == nil)
    }

    @Test("every reference in a file is found once, in any string, nested or in a default")
    func referencesInFile() throws {
        let file = try JSONParser.parse(
            """
            {"stages": {"a": {"token": "${secret:github/token}", "x": ["Bearer ${secret:github/token}"]},
                        "b": {"key": "${DD_API_KEY:-${secret:datadog/keys#api_key}}", "n": 3, "plain": "$${secret:not/one}x"}}}
            """)
        let found = SecretReference.all(in: file)
        #expect(found.contains(SecretReference("github/token")!))
        #expect(found.contains(SecretReference("datadog/keys#api_key")!))
        #expect(found.count <= 3)
    }
}

extension SecretReference {
    init(name: String, key: String?) {
        self.init(key.map { "\(name)#\($0)" } ?? name)!
    }
}
