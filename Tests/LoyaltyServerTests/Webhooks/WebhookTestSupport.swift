import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import Testing

extension AppConfig {
    /// Loopback receivers and a retry schedule compressed to milliseconds.
    mutating func fastWebhooks(schedule: [Int64] = [0, 200, 200, 200, 200], disableAfter: Int64 = 5) {
        webhookAllowLoopback = true
        webhookRetryScheduleMillis = schedule
        webhookDisableAfter = disableAfter
        webhookTimeoutSeconds = 5
        webhookLeaseSeconds = 10
    }
}

extension TestApp {
    /// Creates an endpoint through the API; returns its id and secret.
    func createWebhook(
        _ url: String,
        events: [String],
        headers: HTTPFields = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (id: Int64, secret: String) {
        let list = events.map { "\"\($0)\"" }.joined(separator: ",")
        let r = try await call(.post, "/en/shop/webhooks", json: #"{"url":"\#(url)","events":[\#(list)]}"#, headers: headers)
        #expect(r.status == .created, "webhook create: \(r.json.serializedString())", sourceLocation: sourceLocation)
        return (
            try #require(r.int("data", "id"), sourceLocation: sourceLocation),
            try #require(r.string("data", "secret"), sourceLocation: sourceLocation)
        )
    }

    /// Runs dispatcher cycles until `done` holds (or ~15 s pass, which fails the test).
    func dispatch(until done: @Sendable () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for _ in 0..<300 {
            try await services.dispatcher.tick()
            if try await done() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("dispatcher did not get there in time", sourceLocation: sourceLocation)
    }

    /// The endpoint's delivery log (`GET webhooks/{id}/deliveries`).
    func deliveries(_ webhookID: Int64) async throws -> [JSON] {
        try await get("/en/shop/webhooks/\(webhookID)/deliveries?per_page=100").data.array
    }

    /// The feed's event types after `after`.
    func feedTypes(after: Int64 = 0) async throws -> [String] {
        try await get("/en/shop/events?after=\(after)&limit=1000").data.array.compactMap { $0["event"]?.string }
    }

    func credentials(_ shop: ProvisionedShop) -> HTTPFields {
        .of(["X-API-Key": shop.credential.key, "X-API-Secret": shop.secret])
    }
}
