/// The per-version constants of ISO/IEC 18004 Table 9 (error-correction blocks), indexed
/// `[level][version]` with levels in L, M, Q, H order; index 0 is unused.
enum QRTables {
    static let eccCodewordsPerBlock: [[Int]] = [
        [
            -1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30,
            30, 30, 30, 30, 30, 30,
        ],
        [
            -1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
            28, 28, 28, 28, 28, 28, 28,
        ],
        [
            -1, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30,
            30, 30, 30, 30, 30, 30, 30,
        ],
        [
            -1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
            30, 30, 30, 30, 30, 30, 30,
        ],
    ]

    static let errorCorrectionBlocks: [[Int]] = [
        [
            -1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24,
            25,
        ],
        [
            -1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43,
            45, 47, 49,
        ],
        [
            -1, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56,
            59, 62, 65, 68,
        ],
        [
            -1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66,
            70, 74, 77, 81,
        ],
    ]

    static func eccPerBlock(version: Int, errorCorrection: QRCode.ErrorCorrection) -> Int {
        eccCodewordsPerBlock[errorCorrection.ordinal][version]
    }

    static func blocks(version: Int, errorCorrection: QRCode.ErrorCorrection) -> Int {
        errorCorrectionBlocks[errorCorrection.ordinal][version]
    }

    /// Modules available for data and error correction once the function patterns,
    /// format and version information are placed (may include remainder bits).
    static func rawDataModules(version v: Int) -> Int {
        var result = (16 * v + 128) * v + 64
        if v >= 2 {
            let align = v / 7 + 2
            result -= (25 * align - 10) * align - 55
            if v >= 7 { result -= 36 }
        }
        return result
    }

    /// Data codewords: all codewords less the error-correction ones.
    static func dataCodewords(version: Int, errorCorrection: QRCode.ErrorCorrection) -> Int {
        rawDataModules(version: version) / 8 - eccPerBlock(version: version, errorCorrection: errorCorrection)
            * blocks(version: version, errorCorrection: errorCorrection)
    }

    /// Centre coordinates of the alignment patterns along one axis (Annex E).
    static func alignmentPositions(version v: Int) -> [Int] {
        guard v > 1 else { return [] }
        let count = v / 7 + 2
        let size = 17 + 4 * v
        let step = (v * 8 + count * 3 + 5) / (count * 4 - 4) * 2
        return ([6] + (0..<(count - 1)).map { size - 7 - $0 * step }.reversed())
    }
}
