import Foundation
import HTTPTypes
import LoyaltyCore
import LoyaltyModels
import LoyaltyServer
import LoyaltyStore
import LoyaltyTestSupport
import SQLKit
import Testing

@testable import LoyaltyServer

/// Exports and imports as background jobs, on both databases: every dataset in every
/// format, read back and compared with the database row for row (XLSX cell for cell is
/// scripts/export-check.sh, with openpyxl); the signed download link and its refusals;
/// a job whose node died starts over; an import reports progress and per-row errors and
/// is safe to repeat.
@Suite("Exports and imports", .databases)
struct ExportTests {
    /// Runs every queued job to its end, as the job service would.
    static func runJobs(_ app: TestApp) async throws {
        let runner = DataJobRunner(services: app.services, logger: app.services.logger)
        while let job = try await app.services.dataJobs.claim(now: app.services.clock.nowMillis(), leaseMillis: 60_000) {
            await runner.run(job)
        }
    }

    /// Starts an export, runs it, and returns the finished job's JSON.
    static func export(_ app: TestApp, _ token: String, _ body: String) async throws -> JSON {
        let start = try await app.asUser(token, .post, "/en/partners/exports", json: body)
        try #require(start.status == .accepted, "\(start.json.serializedString())")
        #expect(start.string("data", "status") == "queued")
        try await runJobs(app)
        let id = try #require(start.int("data", "id"))
        let done = try await app.asUser(token, .get, "/en/partners/exports/\(id)")
        return try #require(done.json["data"])
    }

    static func download(_ app: TestApp, _ job: JSON) async throws -> TestApp.Reply {
        let url = try #require(job["download_url"]?.string, "\(job.serializedString())")
        let path = String(url[try #require(url.range(of: "/en/")).lowerBound...])
        return try await app.call(.get, path, auth: false)
    }

    @Test(arguments: Backend.allCases)
    func everyDatasetInEveryFormatMatchesTheDatabase(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let owner = try await app.partnerToken("owner@example.com")
            var users: [Int64] = []
            for i in 0..<7 {
                let id = try await app.customer("x\(i)@example.com")
                users.append(id)
                try await app.post("/en/shop/transactions/create", #"{"order_id":"O\#(i)","user_id":\#(id),"order_total":\#(10 + i).25}"#)
            }
            try await app.post("/en/shop/customers", #"{"email":"evil@example.com","name":"=HYPERLINK(\"http://x\",\"y\"), \"quoted\""}"#)
            try await app.post("/en/shop/points/adjust", #"{"customer_id":\#(users[0]),"points":-3,"reason":"line1\nline2"}"#)

            for dataset in ExportDataset.allCases {
                let table = ["customers": "customers", "transactions": "transactions", "ledger": "ledger_entries", "coupons": "coupons"][
                    dataset.rawValue
                ]!
                let ids = try await app.column("SELECT id FROM \(table) WHERE partner_id = \(app.partnerID) ORDER BY id", "id").compactMap {
                    Int64($0)
                }
                for format in ["csv", "ndjson", "xlsx"] {
                    let job = try await Self.export(app, owner, #"{"type":"\#(dataset.rawValue)","format":"\#(format)"}"#)
                    #expect(
                        job["status"]?.string == "completed" && job["rows_done"]?.int == Int64(ids.count),
                        "\(dataset) \(format): \(job.serializedString())"
                    )
                    #expect(job["progress"]?.double == 1)
                    let file = try await Self.download(app, job)
                    #expect(file.status == .ok, "\(dataset) \(format)")
                    let bytes = file.body
                    #expect(Int64(bytes.count) == job["bytes"]?.int)
                    switch format {
                    case "csv":
                        #expect(file.headers[.contentType] == "text/csv; charset=utf-8")
                        let rows = Self.parseCSV(String(decoding: bytes, as: UTF8.self))
                        #expect(rows.first == dataset.columns.map(\.name))
                        #expect(rows.dropFirst().compactMap { Int64($0[0]) } == ids, "\(dataset) csv ids")
                        if dataset == .customers {
                            let evil = rows.first { $0.count > 4 && $0[2] == "evil@example.com" }
                            #expect(evil?[4] == #"'=HYPERLINK("http://x","y"), "quoted""#, "formula text guarded, quotes kept")
                        }
                    case "ndjson":
                        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
                        let objects = try lines.map { try JSONDecoder().decode(JSON.self, from: Data($0.utf8)) }
                        #expect(objects.compactMap { $0["id"]?.int } == ids, "\(dataset) ndjson ids")
                        if dataset == .ledger {
                            let db = try await app.column(
                                "SELECT points FROM ledger_entries WHERE partner_id = \(app.partnerID) ORDER BY id",
                                "points"
                            )
                            #expect(objects.map { String($0["points"]?.int ?? -999) } == db)
                            let descriptions = try await app.services.database.read { db in
                                try await db.raw(
                                    "SELECT description FROM ledger_entries WHERE partner_id = \(bind: app.partnerID) ORDER BY id"
                                ).all().map { try $0.decode(column: "description", as: String?.self) }
                            }
                            #expect(objects.map { $0["description"]?.string } == descriptions)
                        }
                        if dataset == .transactions {
                            #expect(objects.first?["amount"].map { minor($0) == 1025 } == true, "\(objects.first?.serializedString() ?? "")")
                        }
                    default:
                        #expect(bytes.prefix(2) == [0x50, 0x4B], "a ZIP archive")
                        #expect(file.headers[.contentDisposition] == "attachment; filename=\"\(dataset.rawValue)-\(job["id"]?.int ?? 0).xlsx\"")
                    }
                }
            }
            // Filters: one day, one shop.
            let filtered = try await Self.export(app, owner, #"{"type":"ledger","format":"csv","from":"2000-01-01","to":"2000-01-02"}"#)
            #expect(filtered["rows_done"]?.int == 0 && filtered["status"]?.string == "completed")
        }
    }

    @Test(arguments: Backend.allCases)
    func downloadLinksAreSignedAndExpire(_ backend: Backend) async throws {
        let clock = ManualWallClock(SystemWallClock().nowMillis())
        try await TestApp.with(backend, clock: clock) { app in
            let owner = try await app.partnerToken("owner@example.com")
            _ = try await app.customer("a@example.com")
            let a = try await Self.export(app, owner, #"{"type":"customers","format":"csv"}"#)
            let b = try await Self.export(app, owner, #"{"type":"customers","format":"ndjson"}"#)
            let url = try #require(a["download_url"]?.string)
            let path = String(url[try #require(url.range(of: "/en/")).lowerBound...])
            #expect(try await app.call(.get, path, auth: false).status == .ok)
            // Another job's id with this token, a tampered token, no token.
            let idA = try #require(a["id"]?.int)
            let idB = try #require(b["id"]?.int)
            for bad in [
                path.replacingOccurrences(of: "/exports/\(idA)/", with: "/exports/\(idB)/"), String(path.dropLast(3)) + "abc",
                "/en/partners/exports/\(idA)/download",
            ] {
                let r = try await app.call(.get, bad, auth: false)
                #expect(r.status == .forbidden && r.string("error", "code") == "DOWNLOAD_LINK_INVALID", "\(bad): \(r.status)")
            }
            // Another partner cannot see or delete the job.
            let other = try await app.services.provisionShop(name: "Other")
            try await app.services.createPartnerUser(
                partnerID: other.partner.id,
                email: "intruder@example.com",
                name: "i",
                password: TestApp.partnerPassword,
                role: .owner,
                isOperator: false
            )
            let intruder = try #require(try await app.login("intruder@example.com").string("data", "access_token"))
            #expect(try await app.asUser(intruder, .get, "/en/partners/exports/\(idA)").status == .notFound)
            #expect(try await app.asUser(intruder, .delete, "/en/partners/exports/\(idA)").status == .notFound)
            // Past the file's expiry the sweep drops it; the old link answers 410.
            clock.advance(byMillis: 25 * 3_600_000)
            #expect(try await app.services.dataJobs.expire(now: clock.nowMillis()) == 2)
            let gone = try await app.call(.get, path, auth: false)
            #expect(gone.status == .gone && gone.string("error", "code") == "EXPORT_EXPIRED")
            let expired = try await app.asUser(owner, .get, "/en/partners/exports/\(idA)")
            #expect(expired.string("data", "status") == "expired" && expired.json["data"]?["download_url"] == .null)
            #expect(try await app.scalar("SELECT COUNT(*) AS n FROM data_job_chunks") == 0)
            // Bad requests write nothing.
            for body in [#"{"type":"orders"}"#, #"{"type":"ledger","format":"pdf"}"#, #"{"type":"ledger","from":"2026-02-40"}"#, "{}"] {
                let r = try await app.asUser(owner, .post, "/en/partners/exports", json: body)
                #expect(r.status == .unprocessableContent, "\(body): \(r.json.serializedString())")
            }
            #expect(try await app.scalar("SELECT COUNT(*) AS n FROM data_jobs") == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func aJobWhoseNodeStoppedStartsOver(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let owner = try await app.partnerToken("owner@example.com")
            for i in 0..<3 { _ = try await app.customer("s\(i)@example.com") }
            let start = try await app.asUser(owner, .post, "/en/partners/exports", json: #"{"type":"customers","format":"ndjson"}"#)
            let id = try #require(start.int("data", "id"))
            let now = app.services.clock.nowMillis()
            // A node claims it, writes a stray chunk and dies (its lease is never renewed).
            let first = try #require(try await app.services.dataJobs.claim(now: now, leaseMillis: 1_000))
            try await app.services.dataJobs.appendChunk(id: first.id, part: "output", seq: 0, data: Data("garbage".utf8))
            #expect(try await app.services.dataJobs.claim(now: now + 500, leaseMillis: 1_000) == nil, "leased: nobody else takes it")
            let second = try #require(try await app.services.dataJobs.claim(now: now + 2_000, leaseMillis: 60_000))
            #expect(second.id == id && second.attempts == 2 && second.bytes == 0)
            await DataJobRunner(services: app.services, logger: app.services.logger).run(second)
            let job = try #require(try await app.asUser(owner, .get, "/en/partners/exports/\(id)").json["data"])
            let body = try await Self.download(app, job).body
            #expect(String(decoding: body, as: UTF8.self).split(separator: "\n").count == 3 && !body.starts(with: Array("garbage".utf8)))
        }
    }

    @Test(arguments: Backend.allCases)
    func importsReportRowErrorsAndAreSafeToRepeat(_ backend: Backend) async throws {
        try await TestApp.with(backend) { app in
            let owner = try await app.partnerToken("owner@example.com")
            let csv = """
                email,name,points,phone\r
                ona@example.com,Ona,150,\r
                "petras@example.com","Petras, Jr.",0,+37060000000\r
                not-an-email,Bad,10,\r
                ,Nobody,5,\r
                jonas@example.com,Jonas,lots,\r
                ona@example.com,Ona again,150,\r

                """
            let start = try await app.call(
                .post,
                "/en/partners/imports",
                body: Array(csv.utf8),
                headers: .of(["Authorization": "Bearer \(owner)", "Content-Type": "text/csv"]),
                auth: false
            )
            #expect(start.status == .accepted, "\(start.json.serializedString())")
            let id = try #require(start.int("data", "id"))
            try await Self.runJobs(app)
            let job = try #require(try await app.asUser(owner, .get, "/en/partners/imports/\(id)").json["data"])
            #expect(job["status"]?.string == "completed" && job["rows_done"]?.int == 6 && job["rows_failed"]?.int == 3, "\(job.serializedString())")
            let errors = job["row_errors"]?.array ?? []
            #expect(errors.compactMap { $0["row"]?.int } == [4, 5, 6], "\(job.serializedString())")
            #expect(errors.first?["errors"]?["email"] != nil)
            let ona = try #require(try await app.services.customers.customer(partnerID: app.partnerID, email: "ona@example.com"))
            #expect(try await app.balance(ona.id) == 150)
            // The same file again: everything is a duplicate, no point is posted twice.
            let again = try await app.call(
                .post,
                "/en/partners/imports",
                body: Array(csv.utf8),
                headers: .of(["Authorization": "Bearer \(owner)", "Content-Type": "text/csv"]),
                auth: false
            )
            #expect(again.status == .accepted)
            try await Self.runJobs(app)
            #expect(try await app.balance(ona.id) == 150)
            try await app.expectLedgerConsistent()
            // No file, not CSV, a header naming nothing known.
            let none = try await app.call(.post, "/en/partners/imports", json: "{}", headers: .of(["Authorization": "Bearer \(owner)"]), auth: false)
            #expect(none.status == .unprocessableContent)
            let junk = try await app.call(
                .post,
                "/en/partners/imports",
                body: Array("a;b\n1;2\n".utf8),
                headers: .of(["Authorization": "Bearer \(owner)", "Content-Type": "text/csv"]),
                auth: false
            )
            try await Self.runJobs(app)
            let failed = try await app.asUser(owner, .get, "/en/partners/imports/\(try #require(junk.int("data", "id")))")
            #expect(failed.string("data", "status") == "failed" && failed.string("data", "error")?.contains("external_id") == true)
        }
    }

    /// RFC 4180 reader for the test (quoted fields, doubled quotes, CRLF).
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        field.append("\"")
                        chars.removeFirst()
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
            } else if c == "\r\n" || c == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
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
