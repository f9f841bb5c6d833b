import Foundation

/// A process started by ``ChildProcess/launch(command:environment:workingDirectory:)``: the leader of a
/// process group of its own, with its standard output and standard error merged into one pipe.
public struct LaunchedChild: Sendable {
    /// The child's process id. It is also the id of its process group, which
    /// ``ChildProcess/signalGroup(_:_:)`` and ``ProcessTreeSample/read(processGroup:)`` take.
    public let pid: Int32
    /// The read end of the pipe the child writes its standard output and standard error to (close-on-exec,
    /// closed when released). Hand it to an ``OutputPump``; if nobody reads it, the child blocks once
    /// the pipe's buffer (64 KiB) is full.
    public let output: FileHandle

    /// Creates a value from a pid and the read end of its output pipe.
    public init(pid: Int32, output: FileHandle) {
        self.pid = pid
        self.output = output
    }

    /// Waits, off Swift concurrency's cooperative threads, until the child exits and reaps it; see
    /// ``ChildProcess/waitForExit(pid:)``.
    public func waitForExit() async -> ProcessGroupMachine.ExitStatus {
        await ChildProcess.waitForExit(pid: pid)
    }
}
