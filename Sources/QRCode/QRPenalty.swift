/// The mask evaluation of ISO/IEC 18004 section 7.8.3: the mask with the lowest total of
/// the four penalty rules is applied.
enum QRPenalty {
    static let runWeight = 3, blockWeight = 3, finderWeight = 40, balanceWeight = 10

    static func score(_ m: QRMatrix) -> Int {
        let n = m.size
        var total = 0
        // Rule 1: runs of five or more same-coloured modules in a row or column.
        for horizontal in [true, false] {
            for a in 0..<n {
                var run = 1
                var previous = horizontal ? m[0, a] : m[a, 0]
                for b in 1..<n {
                    let v = horizontal ? m[b, a] : m[a, b]
                    if v == previous {
                        run += 1
                    } else {
                        if run >= 5 { total += runWeight + run - 5 }
                        run = 1
                        previous = v
                    }
                }
                if run >= 5 { total += runWeight + run - 5 }
            }
        }
        // Rule 2: 2x2 blocks of one colour.
        for y in 0..<(n - 1) {
            for x in 0..<(n - 1) {
                let v = m[x, y]
                if v == m[x + 1, y], v == m[x, y + 1], v == m[x + 1, y + 1] { total += blockWeight }
            }
        }
        // Rule 3: 1:1:3:1:1 finder-like patterns with four light modules on one side.
        let patternA: [Bool] = [true, false, true, true, true, false, true, false, false, false, false]
        let patternB: [Bool] = [false, false, false, false, true, false, true, true, true, false, true]
        for horizontal in [true, false] {
            for a in 0..<n {
                for start in 0...(n - 11) {
                    var matchA = true, matchB = true
                    for k in 0..<11 {
                        let v = horizontal ? m[start + k, a] : m[a, start + k]
                        if v != patternA[k] { matchA = false }
                        if v != patternB[k] { matchB = false }
                        if !matchA && !matchB { break }
                    }
                    if matchA { total += finderWeight }
                    if matchB { total += finderWeight }
                }
            }
        }
        // Rule 4: distance of the dark proportion from 50%, in steps of 5%.
        let dark = m.modules.reduce(0) { $0 + ($1 ? 1 : 0) }
        let cells = n * n
        total += abs(dark * 20 - cells * 10) / cells * balanceWeight
        return total
    }
}
