import RSHProtocol

/// A flag per output pipe (a `Set` would allocate for every command).
struct OutputFlags {
    private var stdout = false
    private var stderr = false

    subscript(stream: OutputKind) -> Bool {
        get { stream == .stdout ? stdout : stderr }
        set { if stream == .stdout { stdout = newValue } else { stderr = newValue } }
    }
}
