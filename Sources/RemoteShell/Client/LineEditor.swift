import CLineEditor
import RSHSystem

/// The prompt's line editor: libedit (CLineEditor), with emacs keys (arrows,
/// Home, End, Backspace, Delete, Ctrl-A, Ctrl-E, Ctrl-K, Ctrl-U, Ctrl-W),
/// the history on Up and Down and Ctrl-R, kept in `~/.rsh/history`. Ctrl-C
/// (SIGINT, read from `interrupts`) drops the line being edited.
final class LineEditor: LineInput {
    private let editor: OpaquePointer
    private let interrupts: SignalReader?
    let historyPath: String?
    /// A failed save of the history is told once, not after every line.
    private var toldSaveFailure = false

    /// `nil`, with why, when libedit cannot be loaded.
    init(interrupts: SignalReader?) throws(ClientError) {
        self.interrupts = interrupts
        historyPath = Self.historyPath()
        var error = [CChar](repeating: 0, count: 256)
        guard let editor = crsh_line_editor_open("rsh", FileDescriptor.standardInput.rawValue, FileDescriptor.standardError.rawValue,
                                                 interrupts?.descriptor.rawValue ?? -1, historyPath, &error, error.count) else {
            throw .unusable(String(decoding: error.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))
        }
        self.editor = editor
    }

    deinit { crsh_line_editor_close(editor) }

    /// `~/.rsh/history`, its directory made (readable by the user only: a
    /// history holds what was typed) when missing; `nil` without a home.
    private static func historyPath() -> String? {
        guard let home = ProcessIdentity.environmentValue("HOME") ?? ProcessIdentity.homeDirectory, !home.isEmpty else { return nil }
        let directory = home + "/.rsh"
        try? makeDirectory(directory, permissions: 0o700)
        return directory + "/history"
    }

    func next(prompt: String?) throws(ClientError) -> LineReader.Line {
        // The prompt starts a line of its own, after output without a final newline.
        if !LocalOutput.atLineStart { try LocalOutput().write(.standardError, Array("\n".utf8)) }
        LocalOutput.atLineStart = true
        var line: UnsafePointer<CChar>?
        var length = 0
        switch crsh_line_editor_read(editor, prompt ?? "", &line, &length) {
        case 1:
            let bytes = UnsafeRawBufferPointer(start: line, count: length)
            guard let text = String(validating: bytes, as: UTF8.self), !text.utf8.contains(0) else { return .undecodable }
            if text.contains(where: { $0 != " " && $0 != "\t" }) { remember(text) }
            return .text(text)
        case -1:
            _ = interrupts?.next()
            try LocalOutput().write(.standardError, Array("^C".utf8))
            return .interrupted
        default:
            return .endOfFile
        }
    }

    private func remember(_ line: String) {
        let error = crsh_line_editor_remember(editor, line)
        guard error != 0, !toldSaveFailure, let historyPath else { return }
        toldSaveFailure = true
        LocalOutput().note("rsh: cannot save the history to \(historyPath): \(Errno(rawValue: error))")
    }
}
