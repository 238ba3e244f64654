/// The size of a terminal's window, as `struct winsize` holds it (tty_ioctl(4),
/// `TIOCSWINSZ`): rows and columns of characters, and optionally the size in
/// pixels. Zero means "unknown", as it does for the kernel.
public struct WindowSize: Hashable, Sendable {
    public var rows: UInt16
    public var columns: UInt16
    public var pixelWidth: UInt16
    public var pixelHeight: UInt16

    public init(rows: UInt16, columns: UInt16, pixelWidth: UInt16 = 0, pixelHeight: UInt16 = 0) {
        self.rows = rows
        self.columns = columns
        self.pixelWidth = pixelWidth
        self.pixelHeight = pixelHeight
    }

    /// Every field's range on the wire: what `struct winsize` can hold.
    static let wireRange: ClosedRange<Int64> = 0...Int64(UInt16.max)

    /// Reads `rows` and `cols` (required) and `xpixels` and `ypixels` (optional).
    init(_ fields: FieldReader) throws(ProtocolError) {
        rows = UInt16(try fields.requiredInteger("rows", in: Self.wireRange))
        columns = UInt16(try fields.requiredInteger("cols", in: Self.wireRange))
        pixelWidth = UInt16(try fields.optionalInteger("xpixels", in: Self.wireRange) ?? 0)
        pixelHeight = UInt16(try fields.optionalInteger("ypixels", in: Self.wireRange) ?? 0)
    }

    /// The members `init(_ fields:)` reads; the pixel sizes only when known.
    var members: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("rows", .integer(Int64(rows))), ("cols", .integer(Int64(columns)))]
        if pixelWidth != 0 { members.append(("xpixels", .integer(Int64(pixelWidth)))) }
        if pixelHeight != 0 { members.append(("ypixels", .integer(Int64(pixelHeight)))) }
        return members
    }
}
