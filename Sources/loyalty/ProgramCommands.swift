import ArgumentParser
import Foundation
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore

struct ProgramCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "program",
        abstract: "Show or replace a partner's loyalty programme.",
        subcommands: [Show.self, Set.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the programme document (JSON) and its version.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Partner whose programme to show.") var partnerId: Int64

        func run() async throws {
            let partnerID = partnerId
            let (version, config, template) = try await withServices(try database.config()) { services in
                guard try await services.tenants.partner(id: partnerID) != nil else { throw ValidationError("No partner with id \(partnerID)") }
                let (version, config) = try await services.programs.program(partnerID: partnerID)
                let template = try await services.tenants.templates(
                    partnerID: partnerID,
                    filter: TemplateFilter(isActive: true),
                    page: PageRequest(page: 1, perPage: 1)
                ).items.first
                return (version, config, template)
            }
            print(ProgramDocument.render(version: version, config: config, template: template).serializedString())
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the programme with a JSON document (a file, or - for standard input).",
            discussion: "The document is validated first; nothing is written when any field is invalid. See docs/PROGRAM.md for the fields."
        )

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Partner whose programme to replace.") var partnerId: Int64
        @Argument(help: "Path of the JSON document, or - for standard input.") var file: String

        func run() async throws {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            guard let json = try? JSONDecoder().decode(JSON.self, from: data) else { throw ValidationError("\(file) is not valid JSON") }
            let doc: ProgramDocument
            do { doc = try ProgramDocument.decode(json) } catch {
                throw ValidationError("invalid programme:\n" + error.problems.map { "  \($0.0): \($0.1)" }.joined(separator: "\n"))
            }
            let (partnerID, program, templateRules) = (partnerId, doc.config, doc.templateRules)
            let version = try await withServices(try database.config()) { services in
                guard try await services.tenants.partner(id: partnerID) != nil else { throw ValidationError("No partner with id \(partnerID)") }
                return try await services.programs.setProgram(partnerID: partnerID, config: program, templateRules: templateRules, actor: "cli")
            }
            print("programme of partner \(partnerID) is now version \(version)")
        }
    }
}

struct ExpireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Expire lapsed point lots now (the server also does this every LOYALTY_SWEEP_SECONDS).",
        discussion:
            "With --dry-run, lists per partner what would expire and changes nothing. Safe to run while servers run: it skips cards another sweeper holds."
    )

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Show what would expire without changing anything.") var dryRun = false
    @Option(help: "Pretend it is this many days later (for previews).") var inDays: Int = 0
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if inDays < 0 { throw ValidationError("--in-days must not be negative") }
        if inDays > 0 && !dryRun { throw ValidationError("--in-days is only for --dry-run") }
    }

    func run() async throws {
        let now = SystemWallClock().nowMillis() + Int64(inDays) * 86_400_000
        let (dryRun, json) = (self.dryRun, self.json)
        let started = Date()
        if dryRun {
            let preview = try await withServices(try database.config()) { try await $0.sweeper.preview(now: now) }
            if json {
                let rows = preview.map {
                    JSON.object([
                        ("partner_id", .int($0.partnerID)), ("cards", .int(Int64($0.cards))), ("lots", .int(Int64($0.lots))),
                        ("points", .int($0.points)),
                    ])
                }
                print(JSON.object([("dry_run", .bool(true)), ("as_of", .int(now)), ("partners", .array(rows))]).serializedString())
            } else if preview.isEmpty {
                print("nothing would expire")
            } else {
                for p in preview { print("partner \(p.partnerID): \(p.points) points in \(p.lots) lots on \(p.cards) cards would expire") }
            }
            return
        }
        let report = try await withServices(try database.config()) { services in
            _ = try await services.sweeper.mature(now: now)
            return try await services.sweeper.expire(now: now)
        }
        let seconds = Date().timeIntervalSince(started)
        if json {
            print(
                JSON.object([
                    ("cards", .int(Int64(report.cards))), ("lots", .int(Int64(report.lots))), ("points", .int(report.points)),
                    ("batches", .int(Int64(report.batches))), ("seconds", .double((seconds * 100).rounded() / 100)),
                ]).serializedString()
            )
        } else {
            print(
                "expired \(report.points) points in \(report.lots) lots on \(report.cards) cards (\(report.batches) batches, \(String(format: "%.2f", seconds)) s)"
            )
        }
    }
}
