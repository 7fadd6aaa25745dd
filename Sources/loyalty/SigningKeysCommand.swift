import ArgumentParser
import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore

/// Rotation of the keys behind card QR tokens (`card_token`, ChaCha20-Poly1305) and
/// customer tokens (`customer_jwt`, HS256) and partner users' tokens (`partner_jwt`,
/// HS256). A fresh install creates each on first use.
struct SigningKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-keys",
        abstract: "List, rotate and retire the card-token, customer-token and partner-token keys.",
        subcommands: [List.self, Rotate.self, Retire.self]
    )

    enum Purpose: String, ExpressibleByArgument, CaseIterable {
        case cardToken = "card_token"
        case customerJWT = "customer_jwt"
        case partnerJWT = "partner_jwt"
        var bytes: Int { self == .cardToken ? 32 : 64 }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (ids and dates; never the material).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let keys = try await withServices(try database.config()) { services in
                var all: [SigningKey] = []
                for p in Purpose.allCases { all += try await services.signingKeys.keys(purpose: p.rawValue) }
                return all
            }
            for k in keys {
                print(
                    "\(k.id)\t\(k.purpose)\tcreated \(Timestamp.iso8601(k.createdAt))\t\(k.retiredAt.map { "retired \(Timestamp.iso8601($0))" } ?? "active")"
                )
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Add a new current key. Earlier keys keep verifying what they issued until retired; other nodes pick the new key up within a minute."
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "card_token, customer_jwt or partner_jwt.") var purpose: Purpose

        func run() async throws {
            let purpose = self.purpose
            var rng = SystemRandomNumberGenerator()
            let material = (0..<purpose.bytes).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let key = try await withServices(try database.config()) { services in
                try await services.signingKeys.add(purpose: purpose.rawValue, material: material)
            }
            print("key \(key.id) (\(key.purpose)) is now current")
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a key: tokens it issued stop working (within a minute on other nodes).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The key id.") var id: Int64

        func run() async throws {
            let id = self.id
            guard try await withServices(database.config(), { try await $0.signingKeys.retire(id: id) }) else {
                throw ValidationError("No active key \(id)")
            }
            print("key \(id) retired")
        }
    }
}
