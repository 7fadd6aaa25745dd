/// The mask evaluation of ISO/IEC 18004 section 7.8.3: the mask with the lowest total of
/// the four penalty rules is applied. Runs once per mask over the whole grid, so it is
/// written over a raw buffer with the finder-like patterns matched as an 11-bit window.
enum QRPenalty {
    static let runWeight = 3, blockWeight = 3, finderWeight = 40, balanceWeight = 10
    /// 1:1:3:1:1 with four light modules after (and before): dark = 1, oldest bit highest.
    static let finderAfter = 0b101_1101_0000, finderBefore = 0b000_0101_1101

    static func score(_ m: QRMatrix) -> Int {
        let n = m.size
        return m.modules.withUnsafeBufferPointer { cells in
            var total = 0
            var dark = 0
            for horizontal in [true, false] {
                for a in 0..<n {
                    var run = 0
                    var previous = false
                    var window = 0
                    for b in 0..<n {
                        let v = horizontal ? cells[a * n + b] : cells[b * n + a]
                        if horizontal && v { dark += 1 }
                        // Rule 1: runs of five or more of one colour.
                        if b > 0 && v == previous {
                            run += 1
                        } else {
                            if run >= 5 { total += runWeight + run - 5 }
                            run = 1
                            previous = v
                        }
                        // Rule 3: the last 11 modules as bits.
                        window = ((window << 1) | (v ? 1 : 0)) & 0x7FF
                        if b >= 10 && (window == finderAfter || window == finderBefore) { total += finderWeight }
                    }
                    if run >= 5 { total += runWeight + run - 5 }
                }
            }
            // Rule 2: 2x2 blocks of one colour.
            for y in 0..<(n - 1) {
                let row = y * n
                let next = row + n
                for x in 0..<(n - 1) {
                    let v = cells[row + x]
                    if v == cells[row + x + 1] && v == cells[next + x] && v == cells[next + x + 1] { total += blockWeight }
                }
            }
            // Rule 4: distance of the dark proportion from 50%, in steps of 5%.
            let count = n * n
            total += abs(dark * 20 - count * 10) / count * balanceWeight
            return total
        }
    }
}
