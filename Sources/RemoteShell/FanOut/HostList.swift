/// Host lists in the syntax of pdsh and ClusterShell: `node[01-40]`,
/// `node[1-3,7]`, `10.0.0.[1-20]:9000`, `[::1]:8080`, comma-separated. A
/// list expands to host names in the order written, each once; a set of
/// names folds back into the shortest such list (`node[01-38,40]`), as
/// `dshbak -c` and `clush -b` print the hosts that share an output.
///
/// A bracket that opens a host and holds a colon is an IPv6 address
/// (`[::1]:8080`); any other bracket is a range. Numbers keep their
/// padding: `[08-10]` is 08, 09, 10; `[8-10]` is 8, 9, 10.
public enum HostList {
    /// More hosts than this in one list is a mistake (`[1-999999999]`), not a fleet.
    public static let maximumCount = 100_000

    /// The host names `text` lists, in order, each once.
    public static func expand(_ text: String) throws(UsageError) -> [String] {
        var names: [String] = []
        var seen: Set<String> = []
        for item in try splitItems(text) {
            for name in try expandItem(item) where seen.insert(name).inserted {
                names.append(name)
                guard names.count <= maximumCount else {
                    throw UsageError("host list \"\(text)\" names more than \(maximumCount) hosts")
                }
            }
        }
        return names
    }

    /// The items of a list: split at commas outside brackets; blanks around them dropped.
    private static func splitItems(_ text: String) throws(UsageError) -> [String] {
        var items: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "[":
                guard depth == 0 else { throw UsageError("host list \"\(text)\": nested \"[\"") }
                depth += 1
            case "]":
                guard depth == 1 else { throw UsageError("host list \"\(text)\": \"]\" without \"[\"") }
                depth -= 1
            case "," where depth == 0:
                items.append(current)
                current = ""
                continue
            default:
                break
            }
            current.append(character)
        }
        guard depth == 0 else { throw UsageError("host list \"\(text)\": \"[\" without \"]\"") }
        items.append(current)
        let trimmed = items.map { $0.trimmingBlanks }
        guard !trimmed.contains(where: \.isEmpty) else { throw UsageError("host list \"\(text)\" has an empty name") }
        return trimmed
    }

    /// One item: a name with any number of range brackets, each multiplying the names.
    private static func expandItem(_ item: String) throws(UsageError) -> [String] {
        if item.hasPrefix("["), let close = item.firstIndex(of: "]"), item[..<close].contains(":") {
            // An IPv6 address, with or without a port: a host, not a range.
            let rest = item[item.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCIIDigit) && rest.count > 1) else {
                throw UsageError("host \"\(item)\": expected [ADDRESS] or [ADDRESS]:PORT")
            }
            return [item]
        }
        var names = [""]
        var rest = item[...]
        while let open = rest.firstIndex(of: "[") {
            let prefix = rest[..<open]
            guard let close = rest[open...].firstIndex(of: "]") else { throw UsageError("host \"\(item)\": \"[\" without \"]\"") }
            let numbers = try expandRange(rest[rest.index(after: open)..<close], in: item)
            guard names.count * numbers.count <= maximumCount else {
                throw UsageError("host list \"\(item)\" names more than \(maximumCount) hosts")
            }
            names = names.flatMap { name in numbers.map { name + prefix + $0 } }
            rest = rest[rest.index(after: close)...]
        }
        return names.map { $0 + rest }
    }

    /// The numbers of a range, as text with their padding: `1-3,7`, `08-10`.
    private static func expandRange(_ range: Substring, in item: String) throws(UsageError) -> [String] {
        var numbers: [String] = []
        for part in range.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) && $0.count <= 9 }) else {
                throw UsageError("host \"\(item)\": bad range \"[\(range)]\" (expected numbers like [1-3,7] or [01-40])")
            }
            let low = Int(bounds[0])!, high = Int(bounds.last!)!
            guard low <= high else { throw UsageError("host \"\(item)\": range \"\(part)\" ends before it starts") }
            let width = bounds[0].hasPrefix("0") ? bounds[0].count : 0
            guard numbers.count + (high - low) < maximumCount else {
                throw UsageError("host list \"\(item)\" names more than \(maximumCount) hosts")
            }
            for number in low...high { numbers.append(padded(number, to: width)) }
        }
        return numbers
    }

    // MARK: Folding

    /// The shortest list that expands to exactly `names` (in a canonical order):
    /// names that differ in one number only are folded into one range.
    public static func fold(_ names: [String]) -> String {
        var groups: [FoldKey: [(number: Int, text: Substring)]] = [:]
        var order: [FoldKey] = []
        for name in Set(names).sorted(by: Self.precedes) {
            let key: FoldKey
            let number: (Int, Substring)?
            if let run = lastNumber(in: name) {
                let digits = name[run]
                key = FoldKey(prefix: String(name[..<run.lowerBound]), suffix: String(name[run.upperBound...]),
                              width: digits.hasPrefix("0") && digits.count > 1 ? digits.count : 0)
                number = (Int(digits) ?? 0, digits)
            } else {
                key = FoldKey(prefix: name, suffix: "", width: -1)
                number = nil
            }
            if groups[key] == nil { order.append(key) }
            if let number { groups[key, default: []].append(number) } else { groups[key] = [] }
        }
        // An unpadded number as wide as a padded group is one of it: 10 beside 08 and 09.
        for key in order where key.width == 0 {
            for (index, entry) in (groups[key] ?? []).enumerated().reversed() {
                let padded = FoldKey(prefix: key.prefix, suffix: key.suffix, width: entry.text.count)
                guard entry.text.count > 1, groups[padded] != nil else { continue }
                groups[padded]!.append(entry)
                groups[key]!.remove(at: index)
            }
        }
        var items: [String] = []
        for key in order {
            guard let numbers = groups[key] else { continue }
            if key.width < 0 { items.append(key.prefix); continue }
            guard !numbers.isEmpty else { continue }
            let sorted = numbers.map(\.number).sorted()
            if sorted.count == 1 {
                items.append(key.prefix + padded(sorted[0], to: key.width) + key.suffix)
                continue
            }
            var ranges: [String] = []
            var start = sorted[0], end = sorted[0]
            for number in sorted.dropFirst() + [Int.max] {
                if number == end + 1 { end = number; continue }
                ranges.append(start == end ? padded(start, to: key.width)
                                           : padded(start, to: key.width) + "-" + padded(end, to: key.width))
                start = number
                end = number
            }
            items.append(key.prefix + "[" + ranges.joined(separator: ",") + "]" + key.suffix)
        }
        return items.joined(separator: ",")
    }

    /// Names that differ only in one number are grouped by what surrounds it.
    private struct FoldKey: Hashable {
        var prefix: String
        var suffix: String
        /// Digits of a padded number; 0 unpadded; -1 for a name without a number.
        var width: Int
    }

    /// The run of digits a name varies in: the last one of the host part
    /// (a port after `:` is not folded), or `nil` for a name with no digits
    /// there, or an IPv6 address.
    private static func lastNumber(in name: String) -> Range<String.Index>? {
        guard !name.hasPrefix("[") else { return nil }
        let host = name.lastIndex(of: ":").map { name[..<$0] } ?? name[...]
        guard let last = host.lastIndex(where: \.isASCIIDigit) else { return nil }
        var first = last
        while first > host.startIndex, host[host.index(before: first)].isASCIIDigit { first = host.index(before: first) }
        return first..<host.index(after: last)
    }

    /// Names in natural order: numbers compare as numbers (node2 before node10).
    static func precedes(_ left: String, _ right: String) -> Bool {
        var leftIndex = left.startIndex, rightIndex = right.startIndex
        while leftIndex < left.endIndex, rightIndex < right.endIndex {
            if left[leftIndex].isASCIIDigit, right[rightIndex].isASCIIDigit {
                let leftEnd = left[leftIndex...].firstIndex { !$0.isASCIIDigit } ?? left.endIndex
                let rightEnd = right[rightIndex...].firstIndex { !$0.isASCIIDigit } ?? right.endIndex
                let leftNumber = left[leftIndex..<leftEnd], rightNumber = right[rightIndex..<rightEnd]
                if leftNumber != rightNumber {
                    let leftValue = Int(leftNumber) ?? .max, rightValue = Int(rightNumber) ?? .max
                    return leftValue != rightValue ? leftValue < rightValue : leftNumber.count < rightNumber.count
                }
                leftIndex = leftEnd
                rightIndex = rightEnd
            } else {
                if left[leftIndex] != right[rightIndex] { return left[leftIndex] < right[rightIndex] }
                leftIndex = left.index(after: leftIndex)
                rightIndex = right.index(after: rightIndex)
            }
        }
        return leftIndex == left.endIndex && rightIndex != right.endIndex
    }

    private static func padded(_ number: Int, to width: Int) -> String {
        let digits = String(number)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension StringProtocol {
    /// Without the spaces and tabs around it.
    var trimmingBlanks: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
