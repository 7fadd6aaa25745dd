import Foundation
import Testing

@testable import QRCode

/// Known answers from ISO/IEC 18004 and structural checks. That real decoders read the
/// symbols is proven separately, by `scripts/qr-decode-check.sh` (zbarimg) in `.ci/run`.
struct QRCodeTests {
    @Test func byteCapacitiesMatchTheStandardTable() {
        let expected: [(Int, QRCode.ErrorCorrection, Int)] = [
            (1, .low, 17), (1, .medium, 14), (1, .quartile, 11), (1, .high, 7),
            (10, .low, 271), (10, .medium, 213), (10, .quartile, 151), (10, .high, 119),
            (27, .low, 1465), (27, .medium, 1125), (27, .quartile, 805), (27, .high, 625),
            (40, .low, 2953), (40, .medium, 2331), (40, .quartile, 1663), (40, .high, 1273),
        ]
        for (version, level, bytes) in expected {
            #expect(QRCode.byteCapacity(version: version, errorCorrection: level) == bytes, "version \(version)-\(level.rawValue)")
        }
    }

    @Test func everyVersionHasWholeBlocks() {
        for version in 1...40 {
            #expect(QRTables.rawDataModules(version: version) / 8 > 0)
            for level in QRCode.ErrorCorrection.allCases {
                let blocks = QRTables.blocks(version: version, errorCorrection: level)
                let data = QRTables.dataCodewords(version: version, errorCorrection: level)
                #expect(data >= blocks, "version \(version)-\(level.rawValue)")
            }
        }
        #expect(QRTables.rawDataModules(version: 40) / 8 == 3706)
        #expect(QRTables.alignmentPositions(version: 7) == [6, 22, 38])
        #expect(QRTables.alignmentPositions(version: 32) == [6, 34, 60, 86, 112, 138])
        #expect(QRTables.alignmentPositions(version: 40) == [6, 30, 58, 86, 114, 142, 170])
    }

    /// The worked example of the standard (Annex I): "01234567", version 1-M.
    @Test func reedSolomonMatchesTheWorkedExample() {
        let data: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11]
        let ecc = ReedSolomon.remainder(data, divisor: ReedSolomon.divisor(degree: 10))
        #expect(ecc == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }

    @Test func formatAndVersionInformation() {
        #expect(QRMatrix.formatBits(errorCorrection: .medium, mask: 0) == 0b1010100_00010010)
        #expect(QRMatrix.formatBits(errorCorrection: .low, mask: 0) == 0b1110111_11000100)
        #expect(QRMatrix.formatBits(errorCorrection: .high, mask: 7) == 0b0001000_00111011)
        #expect(QRMatrix.versionBits(7) == 0x07C94)
        #expect(QRMatrix.versionBits(40) == 0x28C69)
    }

    @Test func dataCodewordsArePaddedAlternately() {
        let words = QRCode.dataCodewords(Array("A".utf8), version: 1, errorCorrection: .high)
        // 0100 00000001 01000001 0000 -> 0x40 0x14 0x10, then EC 11 EC 11 ...
        #expect(words == [0x40, 0x14, 0x10, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11])
    }

    @Test func symbolHasFinderTimingAndDarkModule() throws {
        for version in [1, 7, 40] {
            let payload = [UInt8](repeating: 0x41, count: QRCode.byteCapacity(version: version, errorCorrection: .quartile))
            let code = try QRCode(bytes: payload, errorCorrection: .quartile)
            #expect(code.version == version)
            #expect(code.size == 17 + 4 * version)
            for (cx, cy) in [(3, 3), (code.size - 4, 3), (3, code.size - 4)] {
                #expect(code[cx, cy] && code[cx - 3, cy - 3] && !code[cx - 2, cy] && code[cx - 1, cy])
            }
            for i in 8..<(code.size - 8) { #expect(code[i, 6] == (i % 2 == 0) && code[6, i] == (i % 2 == 0)) }
            #expect(code[8, code.size - 8])
        }
    }

    @Test func smallestVersionIsChosenAndLimitsHold() throws {
        #expect(try QRCode(text: "https://loyalty.example/c/123", errorCorrection: .medium).version == 3)
        #expect(try QRCode(text: "x", versions: 5...40).version == 5)
        #expect(throws: QRCodeError.dataTooLong(bytes: 2954, capacity: 2953)) {
            try QRCode(bytes: [UInt8](repeating: 0, count: 2954), errorCorrection: .low)
        }
        #expect(throws: QRCodeError.self) { try QRCode(text: "x", mask: 8) }
        #expect(throws: QRCodeError.self) { try QRCode(text: "x", versions: 0...3) }
    }

    @Test func chosenMaskHasTheLowestPenalty() throws {
        let text = "LT1.some-card-token-payload-0123456789"
        let chosen = try QRCode(text: text, errorCorrection: .medium)
        for mask in 0..<8 {
            let forced = try QRCode(text: text, errorCorrection: .medium, mask: mask)
            #expect(forced.mask == mask)
            var m = QRMatrix(version: forced.version)
            m.modules = forced.modules
            var c = QRMatrix(version: chosen.version)
            c.modules = chosen.modules
            #expect(QRPenalty.score(c) <= QRPenalty.score(m))
        }
    }

    @Test func pngIsWellFormed() throws {
        let code = try QRCode(text: "hello")
        let png = code.png(size: 250, border: 4)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR: width = (21 + 8) * 8 = 232.
        #expect(Array(png[16..<24]) == [0, 0, 0, 232, 0, 0, 0, 232])
        #expect(PNGWriter.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(PNGWriter.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }

    @Test func svgDrawsEveryDarkModule() throws {
        let code = try QRCode(text: "hello", errorCorrection: .low)
        let svg = code.svg(size: 200, border: 2)
        #expect(svg.contains("viewBox=\"0 0 25 25\""))
        var dark = 0
        for y in 0..<code.size { for x in 0..<code.size where code[x, y] { dark += 1 } }
        let runs = svg.split(separator: "h").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        #expect(runs.reduce(0, +) == dark)
    }
}

extension QRCodeTests {
    /// The table multiplication agrees with carry-less multiplication modulo 0x11D.
    @Test func fieldMultiplicationMatchesTheDefinition() {
        func slow(_ x: UInt8, _ y: UInt8) -> UInt8 {
            var z = 0
            for i in stride(from: 7, through: 0, by: -1) {
                z = (z << 1) ^ ((z >> 7) * 0x11D)
                z ^= ((Int(y) >> i) & 1) * Int(x)
            }
            return UInt8(z & 0xFF)
        }
        for x in 0...255 { for y in 0...255 { #expect(ReedSolomon.multiply(UInt8(x), UInt8(y)) == slow(UInt8(x), UInt8(y))) } }
    }
}
