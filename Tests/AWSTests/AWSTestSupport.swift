import Foundation

@testable import AWS
@testable import HTTP
@testable import Pipeline

/// Paths the AWS tests need, found from this file's location rather than the working directory.
enum AWSTestPaths {
    /// The package root: this file is Tests/AWSTests/AWSTestSupport.swift.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// AWS's SigV4 suite, kept in the repository with its licence and source
    /// (`Tests/Fixtures/aws-sigv4/README.md`), so a clone alone runs it.
    static let sigV4Fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/aws-sigv4")

    /// The Python of the test peers' venv (`scripts/setup-test-peers.sh`).
    static let venvPython = packageRoot.appendingPathComponent(".venv-test/bin/python3")
}

/// The keys of AWS's published test suite (public example values, not secrets).
let suiteCredentials = AWSCredentials(
    accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

/// The suite's signing time, 2015-08-30T12:36:00Z.
let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)
