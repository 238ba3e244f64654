

/// Walks a command line: flags as `--name value` or `--name=value`, short
/// flags, and the words after them. (No package dependencies, so no
/// ArgumentParser; the two CLIs need little.)
public struct ArgumentScanner {
    private var remaining: ArraySlice<String>
    /// The value of the flag just read, when it was written `--name=value`.
    private var attachedValue: String?

    public init(_ arguments: ArraySlice<String>) {
        remaining = arguments
    }

    public var isEmpty: Bool { remaining.isEmpty }

    /// The next word, unconsumed.
    public var peek: String? { remaining.first }

    /// Whether `--help` or `-h` is among the words left (a subcommand's words
    /// are few, and its help wins wherever it is among them).
    public var asksForHelp: Bool { remaining.contains { $0 == "--help" || $0 == "-h" } }

    /// The next word; a `--name=value` word is returned as `--name`, its value kept for `value(for:)`.
    public mutating func next() -> String? {
        guard let word = remaining.popFirst() else { return nil }
        attachedValue = nil
        if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
            attachedValue = String(word[word.index(after: equals)...])
            return String(word[..<equals])
        }
        return word
    }

    /// The rest, unparsed (the remote command's words).
    public mutating func rest() -> [String] {
        defer { remaining = [] }
        return Array(remaining)
    }

    public mutating func value(for flag: String) throws(UsageError) -> String {
        if let attachedValue {
            self.attachedValue = nil
            return attachedValue
        }
        guard let value = remaining.popFirst() else { throw UsageError("\(flag) needs a value") }
        return value
    }

    public mutating func integer(for flag: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        let text = try value(for: flag)
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(flag) takes a whole number in \(range.lowerBound)...\(range.upperBound), not \"\(text)\"")
        }
        return number
    }

    /// A duration given in seconds ("2", "0.5").
    public mutating func seconds(for flag: String, allowZero: Bool = false) throws(UsageError) -> Duration {
        let text = try value(for: flag)
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0, allowZero || seconds > 0, seconds <= 31_536_000 else {
            throw UsageError("\(flag) takes a number of seconds\(allowZero ? "" : " above 0"), not \"\(text)\"")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
