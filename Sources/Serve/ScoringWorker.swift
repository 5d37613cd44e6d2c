import Foundation
import Datasets
import Lab
import Logging

/// The one thread that owns the `RunScorer` (which is not thread-safe) and the micro-batching
/// in front of it. Requests queue their samples (`submit`); the worker takes the oldest request
/// and, while the batch has room, the requests queued behind it, and scores them in one call —
/// one forward pass per modality for all of them. A lone request is scored at once, alone (a
/// batch-1 forward); the worker waits up to `maxWait` for company only under load (the previous
/// batch held several requests, or several are queued now). The queue is bounded in samples:
/// past `queueLimit` a request is refused at once (503), never buffered.
final class ScoringWorker: @unchecked Sendable {
    struct Job {
        var samples: [SampleInput]
        var enqueued: Date
        var continuation: CheckedContinuation<[SampleScore], any Error>
    }

    let maxBatch: Int
    let maxWait: TimeInterval
    let queueLimit: Int
    let attribution: Bool
    private let metrics: ServeMetrics
    private let logger: Logger

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var head = 0
    private var queuedSamples = 0
    private var stopping = false
    private var finished = false
    private var previousBatchRequests = 0
    /// Tests: while held, the worker takes nothing from the queue (to fill it, or to keep a
    /// request in flight across a shutdown).
    private var held = false

    // Touched only by the worker thread.
    private let scorer: RunScorer
    private let data: PreparationContext

    init(scorer: RunScorer, data: PreparationContext, configuration: ServeConfiguration, metrics: ServeMetrics, logger: Logger) {
        self.scorer = scorer; self.data = data; self.metrics = metrics; self.logger = logger
        maxBatch = configuration.maxBatch
        maxWait = configuration.maxWaitMilliseconds / 1000
        queueLimit = configuration.queueLimit
        attribution = configuration.attribution
        let thread = Thread { [self] in loop() }
        thread.name = "fusionlab-scoring"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Scores `samples` in the next batch with room for them; 503 (`ServeError`) when the queue
    /// is full or the server is stopping.
    func submit(_ samples: [SampleInput]) async throws -> [SampleScore] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[SampleScore], any Error>) in
            condition.lock()
            defer { condition.unlock() }
            if stopping { continuation.resume(throwing: ServeError.shuttingDown()); return }
            if queuedSamples + samples.count > queueLimit {
                metrics.overloaded.increment()
                continuation.resume(throwing: ServeError.overloaded(queued: queuedSamples, limit: queueLimit))
                return
            }
            queue.append(Job(samples: samples, enqueued: Date(), continuation: continuation))
            queuedSamples += samples.count
            metrics.queuedSamples.set(Double(queuedSamples))
            condition.signal()
        }
    }

    /// Scores what is queued, then stops the thread; later submissions get 503.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    func hold() { condition.withLock { held = true } }

    func release() {
        condition.withLock { held = false }
        condition.broadcast()
    }

    /// Requests queued (tests wait for them to arrive).
    var queuedRequests: Int { condition.withLock { pending } }

    private var pending: Int { queue.count - head }

    private func popFirst() -> Job {
        let job = queue[head]
        head += 1
        queuedSamples -= job.samples.count
        if head == queue.count {
            queue.removeAll(keepingCapacity: true); head = 0
        } else if head > 1024, head * 2 > queue.count {
            queue.removeFirst(head); head = 0
        }
        return job
    }

    /// The next batch: the oldest job and those behind it that fit in `maxBatch` samples (a job
    /// bigger than `maxBatch` goes alone); nil once stopping with nothing queued.
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while (pending == 0 || held) && !stopping { condition.wait() }
        guard pending > 0 else { return nil }
        var batch = [popFirst()]
        var count = batch[0].samples.count
        // Queued jobs join the batch, in order, while they fit.
        func takeFitting() {
            while pending > 0, count + queue[head].samples.count <= maxBatch {
                let job = popFirst()
                count += job.samples.count
                batch.append(job)
            }
        }
        let underLoad = previousBatchRequests > 1 || pending > 0
        if maxWait > 0, maxBatch > 1, underLoad, !stopping {
            let deadline = batch[0].enqueued.addingTimeInterval(maxWait)
            while count < maxBatch && !stopping {
                takeFitting()
                if count >= maxBatch || (pending > 0 && count + queue[head].samples.count > maxBatch) { break }
                if !condition.wait(until: deadline) { break }
            }
        }
        takeFitting()
        previousBatchRequests = batch.count
        metrics.queuedSamples.set(Double(queuedSamples))
        return batch
    }

    private func loop() {
        while let batch = nextBatch() {
            let samples = batch.flatMap(\.samples)
            metrics.batchSamples.record(Double(samples.count))
            metrics.batchRequests.record(Double(batch.count))
            do {
                let scores = try scorer.score(samples, in: data, attribution: attribution)
                var start = 0
                for job in batch {
                    job.continuation.resume(returning: Array(scores[start..<(start + job.samples.count)]))
                    start += job.samples.count
                }
            } catch {
                // One request's sample must not fail the others': score them alone.
                for job in batch {
                    do {
                        if batch.count == 1 { throw error }
                        job.continuation.resume(returning: try scorer.score(job.samples, in: data, attribution: attribution))
                    } catch {
                        logger.error("scoring failed", metadata: ["error": "\(error)", "samples": "\(job.samples.count)"])
                        metrics.scoringFailures.increment()
                        job.continuation.resume(throwing: ServeError.internalError())
                    }
                }
            }
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}
