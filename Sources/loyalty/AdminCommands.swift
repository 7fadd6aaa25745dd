import ArgumentParser
import Foundation
import LoyaltyCore
import LoyaltyServer
import LoyaltyStore

struct ShopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shop", abstract: "Manage shops.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a shop (and its partner unless --partner-id is given) with an API key.",
            discussion: "The API secret is printed once; only its hash is stored."
        )

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Shop name.") var name: String
        @Option(help: "Add the shop to this existing partner instead of creating a new one.") var partnerId: Int64?
        @Option(help: "Environment of the key (production|staging). Default: the server's ($LOYALTY_ENV).") var env: DeploymentEnvironment?
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            let (name, partnerID, env) = (self.name, partnerId, self.env)
            let p = try await withServices(try database.config()) { try await $0.provisionShop(name: name, partnerID: partnerID, environment: env) }
            if json {
                try printJSON([
                    "partner_id": p.partner.id, "shop_id": p.shop.id, "card_template_id": p.template.id, "api_key": p.credential.key,
                    "api_secret": p.secret, "environment": p.credential.environment.rawValue,
                ])
            } else {
                print(
                    "partner id: \(p.partner.id)\nshop id:    \(p.shop.id)\nAPI key:    \(p.credential.key)\nAPI secret: \(p.secret)\n(environment \(p.credential.environment.rawValue); the secret is not shown again)"
                )
            }
        }
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage API credentials.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key for a partner (optionally bound to one shop).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Partner that owns the key.") var partnerId: Int64
        @Option(help: "Bind the key to this shop of the partner.") var shopId: Int64?
        @Option(help: "Environment (production|staging). Default: $LOYALTY_ENV or production.") var env: DeploymentEnvironment?
        @Option(help: "A label for the key.") var name: String?
        @Option(help: "Expire the key after this many days.") var expiresInDays: Int?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let d = expiresInDays, d <= 0 { throw ValidationError("--expires-in-days must be positive") }
        }

        func run() async throws {
            let (partnerID, shopID, name) = (partnerId, shopId, self.name)
            let config = try database.config()
            let env = self.env ?? config.environment
            let expires = expiresInDays.map { SystemWallClock().nowMillis() + Int64($0) * 86_400_000 }
            let (credential, secret) = try await withServices(config) { services in
                guard try await services.tenants.partner(id: partnerID) != nil else { throw ValidationError("No partner with id \(partnerID)") }
                if let shopID, try await services.tenants.shop(partnerID: partnerID, id: shopID) == nil {
                    throw ValidationError("Partner \(partnerID) has no shop \(shopID)")
                }
                return try await services.tenants.createCredential(
                    partnerID: partnerID,
                    shopID: shopID,
                    environment: env,
                    name: name,
                    expiresAt: expires
                )
            }
            if json {
                try printJSON([
                    "id": credential.id, "api_key": credential.key, "api_secret": secret, "environment": credential.environment.rawValue,
                    "partner_id": partnerID, "shop_id": shopID as Any,
                ])
            } else {
                print("API key:    \(credential.key)\nAPI secret: \(secret)\n(the secret is not shown again)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (masked; secrets are never stored).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this partner's keys.") var partnerId: Int64?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let partnerID = partnerId
            let keys = try await withServices(try database.config()) { try await $0.tenants.credentials(partnerID: partnerID) }
            let now = SystemWallClock().nowMillis()
            func status(_ k: ApiCredential) -> String {
                k.revokedAt != nil ? "revoked" : (k.expiresAt.map { $0 <= now } ?? false) ? "expired" : "active"
            }
            if json {
                let data = try JSONSerialization.data(
                    withJSONObject: keys.map {
                        [
                            "id": $0.id, "api_key": ApiKeyFormat.masked($0.key), "partner_id": $0.partnerID, "shop_id": $0.shopID as Any,
                            "environment": $0.environment.rawValue, "status": status($0), "name": $0.name as Any,
                        ]
                    },
                    options: [.prettyPrinted, .sortedKeys]
                )
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("ID  KEY               PARTNER  SHOP  ENV         STATUS")
                for k in keys {
                    print(
                        "\(k.id)  \(ApiKeyFormat.masked(k.key))  \(k.partnerID)  \(k.shopID.map(String.init) ?? "-")  \(k.environment.rawValue)  \(status(k))"
                    )
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an API key. Running servers stop accepting it within their credential cache time (10 s)."
        )

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The full API key (lty_...).") var key: String

        func run() async throws {
            let key = self.key
            let found = try await withServices(try database.config()) { try await $0.tenants.revokeCredential(key: key) }
            guard found else { throw ValidationError("No such API key") }
            print("Revoked \(ApiKeyFormat.masked(key))")
        }
    }
}

struct CustomersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "customers", abstract: "Manage customers.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import customers from a CSV file.",
            discussion:
                "The first row names the columns: any of external_id, email, phone, name. Each customer gets a card from the partner's default template. Rows whose email or external_id already exists are skipped and reported."
        )

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Partner to import into.") var partnerId: Int64
        @Option(help: "Path of the CSV file.") var file: String

        func run() async throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("Cannot read \(file)") }
            let rows = CSV.parse(text)
            guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
                throw ValidationError("\(file) is empty")
            }
            let known = ["external_id", "email", "phone", "name"]
            guard header.contains(where: known.contains) else {
                throw ValidationError("The header must name at least one of: \(known.joined(separator: ", "))")
            }
            let partnerID = partnerId
            let records = rows.dropFirst().filter { !($0.count == 1 && $0[0].isEmpty) }.map { row -> [String: String] in
                var r: [String: String] = [:]
                for (i, col) in header.enumerated() where i < row.count && !row[i].isEmpty { r[col] = row[i].trimmingCharacters(in: .whitespaces) }
                return r
            }
            let report = try await withServices(try database.config()) { services -> (Int, [String]) in
                guard try await services.tenants.partner(id: partnerID) != nil else { throw ValidationError("No partner with id \(partnerID)") }
                var imported = 0
                var problems: [String] = []
                for (i, r) in records.enumerated() {
                    let line = i + 2
                    if r["email"] == nil && r["external_id"] == nil && r["phone"] == nil {
                        problems.append("line \(line): no email, external_id or phone")
                        continue
                    }
                    if let email = r["email"], !email.contains("@") {
                        problems.append("line \(line): invalid email \(email)")
                        continue
                    }
                    do {
                        _ = try await services.customers.createCustomer(
                            partnerID: partnerID,
                            externalID: r["external_id"],
                            email: r["email"],
                            phone: r["phone"],
                            name: r["name"]
                        )
                        imported += 1
                    } catch let LoyaltyError.duplicateCustomer(field) {
                        problems.append("line \(line): duplicate \(field)")
                    }
                }
                return (imported, problems)
            }
            print("Imported \(report.0) of \(records.count) customers.")
            for p in report.1 { print("  skipped \(p)") }
        }
    }
}

/// RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            pending = n
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" || c == "\r\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else if c != "\r" {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
