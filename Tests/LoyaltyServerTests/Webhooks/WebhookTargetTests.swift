import Foundation
import HTTPTypes
import LoyaltyModels
import LoyaltyTestSupport
import Testing

@testable import LoyaltyServer

@Suite("Webhook targets and signatures", .databases)
struct WebhookTargetTests {
    /// Production policy: private, loopback, link-local (metadata) and plain-http
    /// targets are refused with the field named, and nothing is written.
    @Test(arguments: Backend.allCases)
    func privateAndMetadataTargetsAreRefused(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            #expect(app.services.config.webhookAllowLoopback == false)
            for url in [
                "http://127.0.0.1:8080/hook", "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/hook",
                "https://172.16.0.1/hook", "https://192.168.1.10/hook", "https://169.254.169.254/latest/meta-data/",
                "https://[::1]/hook", "https://[::ffff:169.254.169.254]/hook", "https://[fd00::1]/hook", "https://[fe80::1]/hook",
                "https://100.64.0.1/hook", "https://0.0.0.0/hook", "https://224.0.0.1/hook", "http://93.184.215.14/hook",
                "https://user:pass@93.184.215.14/hook", "https://no-such-host.invalid/hook",
            ] {
                let r = try await app.post("/en/shop/webhooks", #"{"url":"\#(url)","events":["points.awarded"]}"#)
                #expect(r.status == .unprocessableContent, "accepted \(url)")
                #expect(r.json["errors"]?["url"] != nil, "\(url): \(r.json.serializedString())")
            }
            #expect(try await app.get("/en/shop/webhooks").data.array.isEmpty)
            #expect(try await app.post("/en/shop/webhooks", #"{"url":"https://93.184.215.14/hook","events":["points.awarded"]}"#).status == .created)
        }
    }

    @Test func loopbackModeStillRefusesPrivateRanges() async {
        let policy = WebhookTargetPolicy(allowLoopback: true)
        #expect(await policy.check("http://127.0.0.1:9/x") == nil)
        #expect(await policy.check("http://localhost:9/x") == nil)
        #expect(await policy.check("https://10.0.0.5/x") == .blocked("10.0.0.5"))
        #expect(await policy.check("https://169.254.169.254/") == .blocked("169.254.169.254"))
        #expect(await policy.check("http://93.184.215.14/x") == .scheme)
        #expect(await policy.check("gopher://127.0.0.1/") == .invalid)
    }

    @Test func addressRanges() {
        for a in ["8.8.8.8", "93.184.215.14", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            #expect(IPAddress(a)?.isPublic == true, "\(a)")
        }
        for a in [
            "10.0.0.1", "127.0.0.1", "127.255.0.9", "169.254.169.254", "172.31.255.255", "192.168.0.1", "100.127.0.1", "0.0.0.0",
            "198.18.0.1", "255.255.255.255", "::", "::1", "fc00::1", "fe80::1", "ff02::1", "2001:db8::1", "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe", "::127.0.0.1",
        ] {
            #expect(IPAddress(a)?.isPublic == false, "\(a)")
        }
        #expect(IPAddress("172.32.0.1")?.isPublic == true)
        #expect(IPAddress("::ffff:127.0.0.1")?.isLoopback == true)
        #expect(IPAddress("not-an-ip") == nil)
    }

    /// The server signs exactly as the independent vectors (Python's hmac) say.
    @Test func signaturesMatchTheSharedVectors() throws {
        struct Vector: Decodable {
            var secret: String
            var body: String
            var timestamp: Int64
            var signature: String
            var timestamped_signature: String
        }
        struct File: Decodable { var vectors: [Vector] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/webhook-signature-vectors.json")
        let vectors = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
        #expect(vectors.count == 3)
        for v in vectors {
            #expect(WebhookSigner.signature(body: Array(v.body.utf8), secret: v.secret) == v.signature)
            #expect(WebhookSigner.timestamped(body: Array(v.body.utf8), secret: v.secret, unixSeconds: v.timestamp) == v.timestamped_signature)
        }
    }

    @Test func retryScheduleParsing() {
        #expect(AppConfig.parseSchedule("0,1m,5m,30m,2h") == [0, 60_000, 300_000, 1_800_000, 7_200_000])
        #expect(AppConfig.parseSchedule("0, 200ms, 1s, 2") == [0, 200, 1000, 2000])
        #expect(AppConfig.parseSchedule("") == nil)
        #expect(AppConfig.parseSchedule("1x") == nil)
        #expect(AppConfig.parseSchedule("-1s") == nil)
    }
}
