import Foundation
import LoyaltySDK
import Testing

/// The verifier against vectors computed independently (Python's hmac), the same
/// file the server's signer test reads.
@Suite struct WebhookVerifierTests {
    struct Vector: Decodable {
        var secret: String
        var body: String
        var timestamp: Int64
        var signature: String
        var timestamped_signature: String
    }

    static func vectors() throws -> [Vector] {
        struct File: Decodable { var vectors: [Vector] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "Fixtures/webhook-signature-vectors.json"
        )
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
    }

    @Test func acceptsTheVectors() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count == 3)
        for v in vectors {
            let verifier = WebhookVerifier(secret: v.secret)
            let body = Array(v.body.utf8)
            try verifier.verify(body: body, signature: v.signature)
            try verifier.verify(body: body, signature: v.signature.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="))
            try verifier.verify(
                body: body,
                timestampedSignature: v.timestamped_signature,
                now: Date(timeIntervalSince1970: TimeInterval(v.timestamp + 10))
            )
        }
    }

    @Test func refusesTamperingWrongSecretAndReplays() throws {
        for v in try Self.vectors() {
            let verifier = WebhookVerifier(secret: v.secret)
            let at = Date(timeIntervalSince1970: TimeInterval(v.timestamp))
            var body = Array(v.body.utf8)
            body.append(UInt8(ascii: " "))
            #expect(throws: WebhookVerifier.Failure.signatureMismatch) { try verifier.verify(body: body, signature: v.signature) }
            #expect(throws: WebhookVerifier.Failure.signatureMismatch) {
                try verifier.verify(body: body, timestampedSignature: v.timestamped_signature, now: at)
            }
            #expect(throws: WebhookVerifier.Failure.signatureMismatch) {
                try WebhookVerifier(secret: v.secret + "x").verify(body: Array(v.body.utf8), signature: v.signature)
            }
            // Another timestamp with the old MAC: the timestamp is signed too.
            let shifted = v.timestamped_signature.replacingOccurrences(of: "t=\(v.timestamp)", with: "t=\(v.timestamp + 1)")
            #expect(throws: WebhookVerifier.Failure.signatureMismatch) {
                try verifier.verify(body: Array(v.body.utf8), timestampedSignature: shifted, now: at)
            }
            #expect(throws: WebhookVerifier.Failure.timestampOutOfTolerance) {
                try verifier.verify(body: Array(v.body.utf8), timestampedSignature: v.timestamped_signature, now: at.addingTimeInterval(301))
            }
            #expect(throws: WebhookVerifier.Failure.malformedHeader) { try verifier.verify(body: Array(v.body.utf8), signature: nil) }
            #expect(throws: WebhookVerifier.Failure.malformedHeader) { try verifier.verify(body: Array(v.body.utf8), signature: "md5=abc") }
            #expect(throws: WebhookVerifier.Failure.malformedHeader) {
                try verifier.verify(body: Array(v.body.utf8), signature: String(v.signature.dropLast()))
            }
            #expect(throws: WebhookVerifier.Failure.malformedHeader) {
                try verifier.verify(body: Array(v.body.utf8), timestampedSignature: "v1=00", now: at)
            }
        }
    }

    /// A flipped bit anywhere in the MAC is refused.
    @Test func everyBitOfTheMacCounts() throws {
        let v = try Self.vectors()[0]
        let verifier = WebhookVerifier(secret: v.secret)
        let hex = Array(v.signature.dropFirst(7))
        for i in hex.indices {
            var flipped = hex
            flipped[i] = flipped[i] == "0" ? "1" : "0"
            #expect(throws: WebhookVerifier.Failure.signatureMismatch) {
                try verifier.verify(body: Array(v.body.utf8), signature: "sha256=" + String(flipped))
            }
        }
    }
}
