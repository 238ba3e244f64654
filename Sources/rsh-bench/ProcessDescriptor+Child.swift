import RSHSystem

extension ProcessDescriptor {
    /// The descriptor of a child just spawned, which exits on its own. When
    /// none can be had, the child is waited for and reaped by its ID before
    /// the error is thrown, so that it is not left a zombie.
    static func ofChild(_ processID: Int32) throws(Errno) -> ProcessDescriptor {
        do {
            return try ProcessDescriptor(processID: processID)
        } catch {
            reapProcess(processID)
            throw error
        }
    }
}
