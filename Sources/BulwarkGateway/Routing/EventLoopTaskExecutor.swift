import NIOCore

/// A Swift task executor that runs jobs on one NIO event loop. A task started with it as its executor
/// preference runs on the loop, and so do its continuations after each `await` of nonisolated code:
/// a rate-limit decision that waits for Redis resumes on the connection's loop instead of handing off
/// to the cooperative pool and back.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
