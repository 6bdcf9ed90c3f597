import Foundation
import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

struct AWSCredentialsTests {
    @Test func descriptionNeverShowsTheSecretOrTheToken() {
        let credentials = AWSCredentials(
            accessKeyID: "AKIAEXAMPLE", secretAccessKey: "very-secret", sessionToken: "session-token-value",
            expiration: Date(timeIntervalSince1970: 1_800_000_000))
        for text in [credentials.description, "\(credentials)", String(describing: [credentials])] {
            #expect(!text.contains("very-secret"))
            #expect(!text.contains("session-token-value"))
            #expect(text.contains("AKIAEXAMPLE"))
        }
        #expect(credentials.description.contains("2027-01-15T08:00:00Z"))
    }

    @Test func formatsAndParsesAWSDates() {
        #expect(AWSDate.amzDate(suiteDate) == "20150830T123600Z")
        #expect(AWSDate.amzDate(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
        #expect(AWSDate.parseISO8601("2015-08-30T12:36:00Z") == suiteDate)
        #expect(AWSDate.parseISO8601("2015-08-30T12:36:00.000Z") == suiteDate)
        #expect(AWSDate.parseISO8601("2015-08-30T14:36:00+02:00") == suiteDate)
        #expect(AWSDate.parseISO8601("yesterday") == nil)
    }
}
