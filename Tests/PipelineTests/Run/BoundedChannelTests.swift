import Synchronization
import Testing

@testable import Pipeline

@Suite("BoundedChannel", .timeLimit(.minutes(1)))
struct BoundedChannelTests {
    private static func batch(_ values: Int...) -> [Item] { values.map { .record(.number(Double($0))) } }

    private static func numbers(_ batch: [Item]?) -> [Int]? {
        batch?.map { Int($0.record?.number ?? -1) }
    }

    /// Reads until the end; returns the batches and the error that ended the stream, if any.
    private static func drain(_ channel: BoundedChannel) async -> (batches: [[Int]], error: (any Error)?) {
        var batches: [[Int]] = []
        do {
            while let batch = try await channel.next() { batches.append(numbers(batch) ?? []) }
            return (batches, nil)
        } catch {
            return (batches, error)
        }
    }

    @Test("delivers batches in the order they were sent, then ends")
    func fifo() async throws {
        let channel = BoundedChannel(capacity: 8, producers: 1)
        for i in 0..<5 { await channel.send(Self.batch(i, i * 10)) }
        channel.finish()
        let (batches, error) = await Self.drain(channel)
        #expect(error == nil)
        #expect(batches == [[0, 0], [1, 10], [2, 20], [3, 30], [4, 40]])
        #expect(try await channel.next() == nil, "stays ended")
    }

    @Test("keeps FIFO order across many batches, more than the capacity, with the consumer running alongside")
    func fifoUnderPressure() async {
        let channel = BoundedChannel(capacity: 3, producers: 1)
        async let received = Self.drain(channel)
        for i in 0..<2_000 { await channel.send(Self.batch(i)) }
        channel.finish()
        let (batches, error) = await received
        #expect(error == nil)
        #expect(batches == (0..<2_000).map { [$0] })
    }

    @Test("a capacity below 1 is raised to 1")
    func minimumCapacity() {
        #expect(BoundedChannel(capacity: 0, producers: 1).capacity == 1)
        #expect(BoundedChannel(capacity: -3, producers: 1).capacity == 1)
        #expect(BoundedChannel(capacity: 16, producers: 1).capacity == 16)
    }

    @Test("a sender waits while capacity batches are queued, and is released by a read")
    func capacityBound() async throws {
        let channel = BoundedChannel(capacity: 2, producers: 1)
        await channel.send(Self.batch(1))
        await channel.send(Self.batch(2))  // both fit: these return at once

        let thirdSent = TestStages.Gate()
        let sender = Task {
            await channel.send(Self.batch(3))
            thirdSent.open()
        }
        // Nothing has been read: the third send must still be waiting. (A negative can only be
        // observed over time; a channel without a bound completes the send within microseconds.)
        for _ in 0..<50 {
            await Task.yield()
            try await Task.sleep(for: .milliseconds(1))
            if thirdSent.isOpen { break }
        }
        #expect(!thirdSent.isOpen, "the third send returned while the channel was full")

        #expect(Self.numbers(try await channel.next()) == [1])
        await sender.value  // released by the read, or this test hangs until its time limit
        #expect(thirdSent.isOpen)
        channel.finish()
        let (rest, error) = await Self.drain(channel)
        #expect(rest == [[2], [3]])
        #expect(error == nil)
    }

    @Test("a waiting consumer receives a batch sent later, directly")
    func waitingConsumer() async throws {
        let channel = BoundedChannel(capacity: 1, producers: 1)
        async let first = channel.next()
        await Task.yield()
        await channel.send(Self.batch(7))
        #expect(Self.numbers(try await first) == [7])
        channel.finish()
        #expect(try await channel.next() == nil)
    }

    @Test("the stream ends only when every producer has finished")
    func multipleProducers() async throws {
        let channel = BoundedChannel(capacity: 4, producers: 2)
        await channel.send(Self.batch(1))
        channel.finish()  // the first producer is done
        #expect(Self.numbers(try await channel.next()) == [1])

        // One producer is still going: this read must wait for it rather than end the stream.
        async let pending = channel.next()
        await Task.yield()
        await channel.send(Self.batch(2))
        #expect(Self.numbers(try await pending) == [2])

        channel.finish()
        #expect(try await channel.next() == nil)
    }

    @Test("many producers sending at once: everything arrives, each producer's batches in order")
    func concurrentProducers() async {
        let producers = 4
        let perProducer = 300
        let channel = BoundedChannel(capacity: 2, producers: producers)
        async let received = Self.drain(channel)
        await withTaskGroup(of: Void.self) { group in
            for p in 0..<producers {
                group.addTask {
                    for i in 0..<perProducer { await channel.send(Self.batch(p * 10_000 + i)) }
                    channel.finish()
                }
            }
        }
        let (batches, error) = await received
        #expect(error == nil)
        let values = batches.flatMap { $0 }
        #expect(values.count == producers * perProducer)
        for p in 0..<producers {
            let mine = values.filter { $0 / 10_000 == p }
            #expect(mine == (0..<perProducer).map { p * 10_000 + $0 }, "producer \(p)")
        }
    }

    @Test("an upstream failure is surfaced after everything queued has been read")
    func upstreamFailureAfterDraining() async {
        let channel = BoundedChannel(capacity: 8, producers: 2)
        await channel.send(Self.batch(1))
        await channel.send(Self.batch(2))
        channel.finish(failedStage: "github_prs")
        await channel.send(Self.batch(3))
        channel.finish()
        let (batches, error) = await Self.drain(channel)
        #expect(batches == [[1], [2], [3]])
        let failure = error as? UpstreamFailure
        #expect(failure?.stages == ["github_prs"])
        #expect(failure?.description == #"upstream stage "github_prs" failed"#)
    }

    @Test("a consumer already waiting learns of the failure when the last producer finishes")
    func upstreamFailureToWaitingConsumer() async {
        let channel = BoundedChannel(capacity: 8, producers: 2)
        async let result = Self.drain(channel)
        await Task.yield()
        channel.finish(failedStage: "a")
        channel.finish(failedStage: "b")
        let (batches, error) = await result
        #expect(batches.isEmpty)
        #expect((error as? UpstreamFailure)?.stages == ["a", "b"])
    }

    @Test("close() releases a waiting sender and drops later sends")
    func closeReleasesSenders() async throws {
        let channel = BoundedChannel(capacity: 1, producers: 1)
        await channel.send(Self.batch(1))
        let blocked = Task { await channel.send(Self.batch(2)) }
        await Task.yield()
        channel.close()
        await blocked.value  // hangs until the time limit if close() did not release it
        for i in 0..<10 { await channel.send(Self.batch(i)) }  // would wait forever if not dropped
        channel.finish()
        #expect(try await channel.next() == nil, "queued batches were dropped")
    }

    @Test("a cancelled receiver throws CancellationError and leaves the channel usable")
    func cancelWaitingReceiver() async throws {
        let channel = BoundedChannel(capacity: 2, producers: 1)
        let receiver = Task { try await channel.next() }
        await Task.yield()
        receiver.cancel()
        await #expect(throws: CancellationError.self) { try await receiver.value }

        await channel.send(Self.batch(5))
        channel.finish()
        #expect(Self.numbers(try await channel.next()) == [5], "the batch did not go to the cancelled receiver")
        #expect(try await channel.next() == nil)
    }

    @Test("a cancelled sender returns, and its batch is dropped")
    func cancelWaitingSender() async throws {
        let channel = BoundedChannel(capacity: 1, producers: 1)
        await channel.send(Self.batch(1))
        let sender = Task { await channel.send(Self.batch(2)) }
        await Task.yield()
        sender.cancel()
        await sender.value  // hangs until the time limit if cancellation did not release it

        #expect(Self.numbers(try await channel.next()) == [1])
        await channel.send(Self.batch(3))
        channel.finish()
        #expect(Self.numbers(try await channel.next()) == [3], "the cancelled sender's batch was not queued")
        #expect(try await channel.next() == nil)
    }
}
