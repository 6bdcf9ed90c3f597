import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

struct AWSErrorTests {
    func response(_ status: Int, _ body: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(body.utf8), url: "https://x.amazonaws.com/")
    }

    @Test func parsesEC2QueryErrors() {
        let error = AWSError.parse(
            service: "ec2",
            response: response(
                401,
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>
                """))
        #expect(error.code == "AuthFailure")
        #expect(error.requestID == "ea966190-f9aa-478e-9ede-example")
        #expect(
            error.description
                == "AWS ec2 error AuthFailure (HTTP 401): AWS was not able to validate the provided access credentials; request id ea966190-f9aa-478e-9ede-example"
        )
    }

    @Test func parsesSTSErrorResponses() {
        let error = AWSError.parse(
            service: "sts",
            response: response(
                403,
                """
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>
                    <Message>The security token included
                      in the request is invalid.</Message></Error>
                  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
                </ErrorResponse>
                """))
        #expect(error.code == "InvalidClientTokenId")
        #expect(error.message == "The security token included in the request is invalid.")
        #expect(error.requestID == "c6104cbe-af31-11e0-8154-cbc7ccf896c7")
        #expect(!error.description.contains("\n"))
    }

    @Test func parsesJSONErrorsWithTheRequestIDHeader() {
        let headers: HTTPHeaders = ["x-amzn-RequestId": "5e1c-req"]
        let namespaced = AWSError.parse(
            service: "secretsmanager",
            response: response(
                400,
                #"{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}"#,
                headers: headers))
        #expect(namespaced.code == "ResourceNotFoundException")
        #expect(namespaced.message == "Secrets Manager can't find the specified secret.")
        #expect(namespaced.requestID == "5e1c-req")
        let lower = AWSError.parse(
            service: "secretsmanager",
            response: response(400, #"{"code":"ThrottlingException:http://internal","message":"Rate exceeded"}"#))
        #expect(lower.code == "ThrottlingException")
        #expect(lower.isThrottling)
        #expect(lower.requestID == nil)
        #expect(lower.description.hasSuffix("request id none"))
    }

    @Test func fallsBackToTheStatusForBodiesThatAreNeither() {
        let error = AWSError.parse(service: "ec2", response: response(502, "<html>bad gateway\n</html"))
        #expect(error.code == "HTTP502")
        #expect(error.message == "<html>bad gateway </html")
    }

    @Test func scrubsSecretsOutOfMessages() {
        let error = AWSError.parse(
            service: "sts", response: response(403, #"{"__type":"X","message":"token SECRET-TOKEN rejected"}"#),
            redacting: ["SECRET-TOKEN"])
        #expect(error.message == "token REDACTED rejected")
    }
}
