/// One entry of a `poll(2)` set.
public struct PollRequest: Sendable {
    public var descriptor: FileDescriptor
    public var events: PollEvents
    public var returned: PollEvents = []

    public init(_ descriptor: FileDescriptor, _ events: PollEvents) {
        self.descriptor = descriptor
        self.events = events
    }
}
