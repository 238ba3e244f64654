import RSHSpawn
import RSHSystem

/// Serves one connection on the calling thread, waiting in `poll(2)` on the
/// socket, every child's pipes and process descriptor, and the shutdown
/// notice together, so no command's output can deadlock the connection.
/// The blocking driver runs one of these at a time; the threaded driver runs
/// one per thread.
struct SyncConnection {
    let state: ConnectionState
    let shutdown: ShutdownController

    /// Runs until the connection is finished, then closes it.
    func run(buffer: UnsafeMutableRawBufferPointer) {
        var watchingShutdown = true
        let shutdownDescriptors = shutdown.descriptors
        var requests: [PollRequest] = []
        while !state.isFinished {
            if watchingShutdown, shutdown.isShuttingDown {
                watchingShutdown = false
                state.beginShutdown()
                continue
            }
            requests.removeAll(keepingCapacity: true)
            if !state.peerGone {
                var events: PollEvents = []
                if state.wantsInput { events.insert(.readable) }
                if state.hasOutbound { events.insert(.writable) }
                // Even with no events asked for, poll reports a reset (POLLERR, POLLHUP).
                requests.append(PollRequest(state.socket, events))
            }
            if watchingShutdown { for fd in shutdownDescriptors { requests.append(PollRequest(fd, .readable)) } }
            let acceptingOutput = state.acceptsChildOutput
            var deadline = state.nextDeadline
            for child in state.children.values {
                child.appendPollRequests(to: &requests, acceptingOutput: acceptingOutput)
                if let childDeadline = child.deadlines.nextDeadline { deadline = min(deadline ?? childDeadline, childDeadline) }
            }
            do {
                try poll(&requests, timeoutMilliseconds: pollTimeout(until: deadline))
            } catch {
                // EINVAL (too many descriptors) or ENOMEM: nothing to wait on
                // can be trusted; drop the client and clean up its commands.
                state.peerClosed("poll failed: \(error)")
            }
            // A handful of entries: a linear search beats building a dictionary.
            let ready = { (fd: FileDescriptor) -> PollEvents in
                var events: PollEvents = []
                for request in requests where request.descriptor == fd { events.formUnion(request.returned) }
                return events
            }
            let now = ContinuousClock.now

            if watchingShutdown, shutdownDescriptors.contains(where: { !ready($0).isEmpty }) { shutdown.service() }
            if !state.peerGone {
                let events = ready(state.socket)
                if events.contains(.readable) || !events.isDisjoint(with: [.hangup, .error]) { readSocket(buffer) }
            }
            for (id, child) in state.children {
                child.service(ready, buffer: buffer, readingOutput: state.acceptsChildOutput, now: now) { stream, bytes in
                    state.childOutput(id, stream, bytes)
                }
                if child.isComplete { state.childCompleted(id) }
            }
            state.expireDeadlines(now: now)
            // Try the write now rather than after the next poll: most of the time it all fits.
            state.writeOutbound { (bytes) throws(Errno) in try state.socket.trySend(bytes) }
        }
        state.close()
    }

    private func readSocket(_ buffer: UnsafeMutableRawBufferPointer) {
        do {
            guard let count = try state.socket.tryRead(into: buffer) else { return }
            if count == 0 {
                state.peerClosed("end of file")
            } else {
                state.receive(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
        } catch {
            state.peerClosed("read failed: \(error)")
        }
    }
}
