import Foundation

/// One store line read and scanned for the index.
struct ScannedLine<E: IndexEntry>: Sendable {
    /// The entry, or why the line could not be read (the scanner's words).
    var entry: Result<E, StoreLineScanner.Failure>
    var start: Int
    var length: Int
}


/// Reads a store's lines from an offset and scans each into an index entry, handing them on
/// in order; with many bytes to read, on a second thread while the caller writes the rows.
///
/// Catching up from nothing is two kinds of work of about the same size: reading and scanning
/// the lines, and SQLite's inserts. On two cores they overlap. The two threads share only a
/// queue of at most ``depth`` batches, so memory stays flat however long the store is.
enum LineFeed {
    static let batchSize = 1024
    static let depth = 8
    /// Below this many bytes a thread costs more than it saves.
    static let threadedBytes = 1 << 20

    /// Calls `body` with each complete line after `offset`, in order.
    static func each<E: IndexEntry>(_: E.Type, path: String, from offset: Int, to end: Int,
                                    _ body: (ScannedLine<E>) throws -> Void) throws {
        if end - offset < threadedBytes {
            var failure: (any Error)?
            try JSONLinesStore<E.Record>.scanLines(path: path, from: offset) { (line, start) throws(IntakeError) in
                guard failure == nil, !line.isEmpty else { return }
                do { try body(scan(E.self, line, start)) } catch { failure = error }
            }
            if let failure { throw failure }
            return
        }
        let channel = Channel<E>(depth: depth)
        let reader = Thread {
            var batch: [ScannedLine<E>] = []
            batch.reserveCapacity(batchSize)
            do throws(IntakeError) {
                try JSONLinesStore<E.Record>.scanLines(path: path, from: offset) { (line, start) throws(IntakeError) in
                    guard !line.isEmpty else { return }
                    batch.append(scan(E.self, line, start))
                    if batch.count == batchSize {
                        guard channel.push(.lines(batch)) else { throw .invalidRequest("the reader was stopped") }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = channel.push(.lines(batch)) }
                _ = channel.push(.end(nil))
            } catch {
                _ = channel.push(.end(error))
            }
        }
        reader.stackSize = 1 << 20
        reader.start()
        defer { channel.stop() }
        while true {
            switch channel.pop() {
            case .lines(let lines):
                for line in lines { try body(line) }
            case .end(let error):
                if let error { throw error }
                return
            }
        }
    }

    private static func scan<E: IndexEntry>(_: E.Type, _ line: ArraySlice<UInt8>, _ start: Int) -> ScannedLine<E> {
        let entry: Result<E, StoreLineScanner.Failure>
        do throws(StoreLineScanner.Failure) { entry = .success(try E(line: line)) } catch { entry = .failure(error) }
        return ScannedLine(entry: entry, start: start, length: line.count)
    }

    /// A queue of at most `depth` items between one reader and one consumer.
    final class Channel<E: IndexEntry>: @unchecked Sendable {
        enum Item: Sendable {
            case lines([ScannedLine<E>])
            case end(IntakeError?)
        }

        private let condition = NSCondition()
        private var items: [Item] = []
        private var stopped = false
        private let depth: Int

        init(depth: Int) { self.depth = depth }

        /// Waits for room; false when the consumer has stopped listening.
        func push(_ item: Item) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while items.count >= depth && !stopped { condition.wait() }
            if stopped { return false }
            items.append(item)
            condition.broadcast()
            return true
        }

        func pop() -> Item {
            condition.lock()
            defer { condition.unlock() }
            while items.isEmpty { condition.wait() }
            let item = items.removeFirst()
            condition.broadcast()
            return item
        }

        /// The consumer is done (or gave up): the reader's next push returns false and it ends.
        func stop() {
            condition.lock()
            stopped = true
            items.removeAll()
            condition.broadcast()
            condition.unlock()
        }
    }
}
