import NIOCore

/// One cell of a spreadsheet row.
public enum XLSXCell: Sendable, Equatable {
    case empty
    case text(String)
    case integer(Int64)
    case number(Double)
}

/// Writes a one-sheet Office Open XML workbook (.xlsx) row by row, through
/// ``ZipStreamWriter``, so a million rows take the memory of one row.
///
/// Our own because the mirror has no spreadsheet writer; ZIPFoundation needs a seekable
/// archive and each entry's size up front, and an export streams to storage that cannot
/// seek. Strings are written inline (`inlineStr`), not in a shared-strings table, so no
/// row is held back; the first row is the header, in bold. A sheet holds at most
/// 1,048,576 rows (Excel's limit); text is cut to Excel's 32,767 characters and
/// characters XML 1.0 forbids are dropped.
public final class XLSXStreamWriter {
    public static let maxRows = 1_048_576
    public static let maxTextLength = 32_767

    public enum XLSXError: Error, Equatable {
        case tooManyRows
    }

    private let zip: ZipStreamWriter
    private var rows = 0
    private var pending = ByteBuffer()
    private let columnNames: [String]

    /// Starts the workbook with its fixed parts and the header row of `columns`.
    public init(sheetName: String, columns: [String], zip: ZipStreamWriter = ZipStreamWriter()) throws {
        self.zip = zip
        columnNames = (0..<columns.count).map(Self.columnName)
        for (name, body) in Self.fixedParts(sheetName: sheetName) {
            try zip.begin(name)
            try zip.write(body)
            try zip.end()
        }
        try zip.begin("xl/worksheets/sheet1.xml")
        try zip.write(
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
                + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>"#
        )
        try addRow(columns.map(XLSXCell.text), style: 1)
    }

    /// Appends a row (cells beyond the header's columns are dropped).
    public func addRow(_ cells: [XLSXCell]) throws {
        try addRow(cells, style: nil)
    }

    private func addRow(_ cells: [XLSXCell], style: Int?) throws {
        guard rows < Self.maxRows else { throw XLSXError.tooManyRows }
        rows += 1
        let r = String(rows)
        var xml = "<row r=\"\(r)\">"
        let s = style.map { " s=\"\($0)\"" } ?? ""
        for (i, cell) in cells.prefix(columnNames.count).enumerated() {
            let ref = columnNames[i] + r
            switch cell {
            case .empty: continue
            case let .integer(v): xml += "<c r=\"\(ref)\"\(s)><v>\(v)</v></c>"
            case let .number(v) where v.isFinite: xml += "<c r=\"\(ref)\"\(s)><v>\(v)</v></c>"
            case .number: continue
            case let .text(t):
                let text = Self.escape(t)
                let space = text.first == " " || text.last == " " || text.contains("\n") ? " xml:space=\"preserve\"" : ""
                xml += "<c r=\"\(ref)\" t=\"inlineStr\"\(s)><is><t\(space)>\(text)</t></is></c>"
            }
        }
        xml += "</row>"
        pending.writeString(xml)
        if pending.readableBytes >= 64 * 1024 { try flushPending() }
    }

    private func flushPending() throws {
        guard pending.readableBytes > 0 else { return }
        try zip.write(pending)
        pending.clear()
    }

    /// Bytes of the archive produced so far and not yet taken.
    public func takeOutput() -> ByteBuffer { zip.takeOutput() }

    /// Rows written, the header included.
    public var rowCount: Int { rows }

    /// Closes the sheet and the archive.
    public func finish() throws {
        try flushPending()
        try zip.write("</sheetData></worksheet>")
        try zip.end()
        try zip.finish()
    }

    /// `A`, `B`, ... `Z`, `AA`, ...
    static func columnName(_ index: Int) -> String {
        var n = index + 1
        var out: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            out.insert(Character(Unicode.Scalar(UInt8(65 + r))), at: 0)
            n = (n - 1) / 26
        }
        return String(out)
    }

    /// XML text: `&`, `<`, `>`, `"` escaped, forbidden characters dropped, cut to Excel's length.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var count = 0
        for scalar in s.unicodeScalars {
            if count == maxTextLength { break }
            count += 1
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0xFFFE...0xFFFF).contains(v) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func fixedParts(sheetName: String) -> [(String, String)] {
        let head = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        let rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let sheet = escape(String(sheetName.filter { !"[]:*?/\\".contains($0) }.prefix(31)))
        return [
            (
                "[Content_Types].xml",
                head
                    + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#
            ),
            (
                "_rels/.rels",
                head
                    + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="\#(rels)/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
            (
                "xl/workbook.xml",
                head
                    + #"<workbook xmlns="\#(main)" xmlns:r="\#(rels)"><sheets><sheet name="\#(sheet.isEmpty ? "Sheet1" : sheet)" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
            (
                "xl/_rels/workbook.xml.rels",
                head
                    + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="\#(rels)/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="\#(rels)/styles" Target="styles.xml"/></Relationships>"#
            ),
            (
                "xl/styles.xml",
                head
                    + #"<styleSheet xmlns="\#(main)"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#
            ),
        ]
    }
}
