import ArgumentParser
import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer

extension PartnerRole: ExpressibleByArgument {}

struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner",
        abstract: "Manage partner users (who sign in to the Partner API).",
        subcommands: [CreateUser.self]
    )

    struct CreateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-user",
            abstract: "Create a partner user (owner, manager or staff) or a platform operator.",
            discussion: """
                The password is read from the first line of standard input (so it stays out of \
                the process list), or generated and printed once with --generate-password. \
                Passwords are 10 to 72 bytes with at least 4 different characters; only a \
                bcrypt hash is stored.
                """
        )

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The partner the user belongs to (not with --operator).") var partnerId: Int64?
        @Option(help: "Sign-in email (unique across the platform).") var email: String
        @Option(help: "Display name. Default: the email.") var name: String?
        @Option(help: "owner, manager or staff.") var role: PartnerRole = .owner
        @Flag(help: "A platform operator: manages partners, belongs to none.") var `operator` = false
        @Flag(help: "Generate a password and print it once.") var generatePassword = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if `operator` && partnerId != nil { throw ValidationError("--operator users belong to no partner; drop --partner-id") }
            if !`operator` && partnerId == nil { throw ValidationError("--partner-id is required (or --operator)") }
        }

        func run() async throws {
            let password: String
            if generatePassword {
                password = Hex.random(bytes: 12)
            } else {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("no password on standard input (or pass --generate-password)")
                }
                password = line
            }
            let (partnerID, email, name, role, isOperator) = (partnerId, self.email, self.name ?? self.email, self.role, `operator`)
            let user = try await withServices(try database.config()) { services in
                try await services.createPartnerUser(
                    partnerID: partnerID,
                    email: email,
                    name: name,
                    password: password,
                    role: role,
                    isOperator: isOperator
                )
            }
            var out: [String: Any] = [
                "id": user.id, "email": user.email, "role": user.isOperator ? "operator" : user.role.rawValue,
                "partner_id": user.partnerID.map { $0 as Any } ?? NSNull(),
            ]
            if generatePassword { out["password"] = password }
            if json {
                try printJSON(out)
            } else {
                print("user id:  \(user.id)\nemail:    \(user.email)\nrole:     \(out["role"]!)")
                if generatePassword { print("password: \(password)\n(not shown again)") }
            }
        }
    }
}
