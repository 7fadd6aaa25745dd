extension QRCode {
    /// An SVG image `size` pixels square (at least one pixel per module) with a light
    /// quiet zone of `border` modules. Dark modules are one path of horizontal runs.
    public func svg(size pixels: Int = 250, border: Int = 4, dark: String = "#000000", light: String = "#ffffff") -> String {
        let border = max(0, border)
        let extent = size + 2 * border
        var path = ""
        path.reserveCapacity(size * size)
        for y in 0..<size {
            var x = 0
            while x < size {
                guard self[x, y] else {
                    x += 1
                    continue
                }
                var run = 1
                while x + run < size, self[x + run, y] { run += 1 }
                path += "M\(x + border),\(y + border)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let px = max(pixels, extent)
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(px)" height="\(px)" viewBox="0 0 \(extent) \(extent)" shape-rendering="crispEdges">\
            <rect width="100%" height="100%" fill="\(light)"/><path d="\(path)" fill="\(dark)"/></svg>

            """
    }
}
