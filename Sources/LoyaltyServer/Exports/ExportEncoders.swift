import Foundation
import LoyaltyModels
import LoyaltyStore
import NIOCore
import XLSX

/// Turns export rows into one file format, a row at a time: output is taken with
/// ``takeOutput()`` as it is produced, so memory holds a page of rows, not the file.
protocol ExportEncoder: AnyObject {
    func row(_ values: [ExportValue]) throws
    func finish() throws
    func takeOutput() -> ByteBuffer
}

enum ExportFormat: String, CaseIterable, Sendable {
    case csv
    case ndjson
    case xlsx

    var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .ndjson: "application/x-ndjson"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
    }

    func encoder(sheet: String, columns: [String]) throws -> any ExportEncoder {
        switch self {
        case .csv: CSVExportEncoder(columns: columns)
        case .ndjson: NDJSONExportEncoder(columns: columns)
        case .xlsx: try XLSXExportEncoder(sheet: sheet, columns: columns)
        }
    }
}

/// How cells read as text: times in ISO 8601 UTC, amounts with two decimals.
enum ExportText {
    static func money(_ minor: Int64) -> String {
        let sign = minor < 0 ? "-" : ""
        let m = minor.magnitude
        let cents = m % 100
        return "\(sign)\(m / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    static func time(_ ms: Int64) -> String { Timestamp.iso8601(ms) }
}

/// RFC 4180 CSV with a header row and CRLF line ends. Free text that a spreadsheet
/// would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading
/// `'` (OWASP's advice for CSV injection); numbers and codes are written as they are.
final class CSVExportEncoder: ExportEncoder {
    private var out = ByteBuffer()

    init(columns: [String]) {
        line(columns)
    }

    private func line(_ cells: [String]) {
        for (i, cell) in cells.enumerated() {
            if i > 0 { out.writeStaticString(",") }
            if cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || cell.first == " " || cell.last == " " {
                out.writeStaticString("\"")
                out.writeString(cell.replacingOccurrences(of: "\"", with: "\"\""))
                out.writeStaticString("\"")
            } else {
                out.writeString(cell)
            }
        }
        out.writeStaticString("\r\n")
    }

    static func guarded(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    func row(_ values: [ExportValue]) throws {
        line(
            values.map { v in
                switch v {
                case .null: ""
                case let .int(i): String(i)
                case let .text(t): Self.guarded(t)
                case let .code(c): c
                case let .money(m): ExportText.money(m)
                case let .time(t): ExportText.time(t)
                }
            }
        )
    }

    func finish() throws {}

    func takeOutput() -> ByteBuffer {
        defer { out = ByteBuffer() }
        return out
    }
}

/// One JSON object per line, keys in column order; amounts as numbers with two
/// decimals, times as ISO 8601 strings, absent values as null.
final class NDJSONExportEncoder: ExportEncoder {
    private var out = ByteBuffer()
    private let columns: [String]

    init(columns: [String]) {
        self.columns = columns
    }

    func row(_ values: [ExportValue]) throws {
        let object = JSON.object(
            zip(columns, values).map { name, v in
                switch v {
                case .null: (name, .null)
                case let .int(i): (name, .int(i))
                case let .text(t), let .code(t): (name, .string(t))
                case let .money(m): (name, .money(m))
                case let .time(t): (name, .string(ExportText.time(t)))
                }
            }
        )
        out.writeBytes(object.serialized())
        out.writeStaticString("\n")
    }

    func finish() throws {}

    func takeOutput() -> ByteBuffer {
        defer { out = ByteBuffer() }
        return out
    }
}

/// An .xlsx workbook: numbers as numbers (amounts in currency units), times and text as text.
final class XLSXExportEncoder: ExportEncoder {
    private let writer: XLSXStreamWriter

    init(sheet: String, columns: [String]) throws {
        writer = try XLSXStreamWriter(sheetName: sheet, columns: columns)
    }

    func row(_ values: [ExportValue]) throws {
        try writer.addRow(
            values.map { v in
                switch v {
                case .null: .empty
                case let .int(i): .integer(i)
                case let .text(t), let .code(t): .text(t)
                case let .money(m): .number(Double(m) / 100)
                case let .time(t): .text(ExportText.time(t))
                }
            }
        )
    }

    func finish() throws { try writer.finish() }

    func takeOutput() -> ByteBuffer { writer.takeOutput() }
}
