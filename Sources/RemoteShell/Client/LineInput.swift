/// Where the prompt and the scripted mode take their lines from: the line
/// editor at a terminal (`LineEditor`), a plain reader otherwise (`LineReader`).
protocol LineInput {
    /// The next line, after showing `prompt` when there is one.
    mutating func next(prompt: String?) throws(ClientError) -> LineReader.Line
}

extension LineReader: LineInput {
    mutating func next(prompt: String?) throws(ClientError) -> Line {
        if let prompt { try LocalOutput().prompt(prompt) }
        return next()
    }
}
