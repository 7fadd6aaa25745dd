import ArgumentParser
import Foundation
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore

/// `loyalty check`: the ledger invariants over the whole database, for operators and
/// for the crash test. Exits 1 when anything is broken.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the ledger invariants (balance == sum(entries) == sum(lots), holds, running sums).",
        discussion: "Read-only. Exits with status 1 and lists the cards when any invariant is broken."
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Only this partner.") var partnerId: Int64?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let partner = partnerId
        let violations = try await withServices(try database.config()) { try await $0.ledger.invariantViolations(partnerID: partner) }
        if json {
            print(
                JSON.object([
                    ("ok", .bool(violations.isEmpty)),
                    (
                        "violations",
                        .array(
                            violations.map {
                                .object([
                                    ("card_id", .int($0.cardID)), ("kind", .string($0.kind)), ("balance", .int($0.balance)),
                                    ("expected", .int($0.ledgerSum)),
                                ])
                            }
                        )
                    ),
                ]).serializedString()
            )
        } else if violations.isEmpty {
            print("ledger invariants hold")
        } else {
            for v in violations { print("card \(v.cardID): \(v.kind) invariant broken (balance \(v.balance), expected \(v.ledgerSum))") }
        }
        if !violations.isEmpty { throw ExitCode(1) }
    }
}
