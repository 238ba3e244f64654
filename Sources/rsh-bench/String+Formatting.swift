extension String {
    /// One decimal place.
    init(format1 value: Double) { self = Self.fixed(value, 1) }
    /// Two decimal places.
    init(format2 value: Double) { self = Self.fixed(value, 2) }
    /// Three decimal places.
    init(format3 value: Double) { self = Self.fixed(value, 3) }
    /// A ratio judged against an "at least" target, to two decimal places
    /// rounded down: a ratio shown at the target's value has met it (1.997
    /// against "2x" shows 1.99, not a 2.00 marked "no").
    init(ratio value: Double) { self = Self.fixed(value, 2, rounding: .down) }

    private static func fixed(_ value: Double, _ places: Int, rounding: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        // Rounding down: 1.15 * 100 is 114.999... in binary; one part in
        // 10^12 more keeps such a value at the digits it is written with.
        let nudge = rounding == .down ? 1 + 1e-12 : 1
        let scaled = (abs(value) * scale * nudge).rounded(rounding)
        let whole = Int(scaled / scale), fraction = Int(scaled.truncatingRemainder(dividingBy: scale))
        var digits = String(fraction)
        while digits.count < places { digits = "0" + digits }
        return (value < 0 && scaled > 0 ? "-" : "") + "\(whole)." + digits
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
