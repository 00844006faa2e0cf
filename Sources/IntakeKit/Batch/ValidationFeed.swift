import Foundation

/// Validates claimed bundles on worker threads of their own, ahead of the recorder, and hands
/// them over in claim order.
///
/// The recorder (the run's own thread) spends much of its time waiting for fsync and renames;
/// on its own threads validation keeps every core busy meanwhile. Bundles can be added while
/// they are being claimed (`add`, then `close`), so validation starts with the first claimed
/// bundle rather than after the last. At most `window` bundles are validated ahead of the one
/// being recorded; a validated bundle holds no file contents, so the window costs a few
/// kilobytes each.
final class ValidationFeed: @unchecked Sendable {
    private let validator: BundleValidator
    private let window: Int
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var bundles: [ClaimedBundle] = []
    private var closed = false
    private var results: [Int: ValidatedBundle] = [:]
    private var nextToStart = 0
    private var consumed = 0
    private var cancelled = false
    private var running = 0
    /// How many bundles ahead of the one starting its files are hinted to the kernel: enough to
    /// hide a disk's latency, few enough (a few MiB) not to push anything else out of the cache.
    static let readAhead = 4

    /// A feed of bundles still to be added (`add`, then `close`).
    init(validator: BundleValidator, window: Int = 256) {
        self.validator = validator
        self.window = max(1, window)
    }

    /// A feed of these bundles, all known now.
    convenience init(bundles: [ClaimedBundle], validator: BundleValidator, window: Int = 256) {
        self.init(validator: validator, window: window)
        for bundle in bundles { add(bundle) }
        close()
    }

    /// Adds the next bundle in claim order.
    func add(_ bundle: ClaimedBundle) {
        condition.lock()
        precondition(!closed, "a bundle added to a closed feed")
        let index = bundles.count
        bundles.append(bundle)
        condition.broadcast()
        condition.unlock()
        // The first few are hinted here, since no worker is before them.
        if index < Self.readAhead {
            FileSystem.adviseWillRead(directory: bundle.path, limitPerFile: AttachmentContent.inMemoryLimit)
        }
    }

    /// No more bundles will be added.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Starts `workers` validation threads.
    func start(workers: Int) {
        let count = max(1, workers)
        condition.lock()
        running = count
        condition.unlock()
        for k in 0..<count {
            let thread = Thread { [self] in work() }
            thread.name = "intake-validate-\(k)"
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while !cancelled, nextToStart >= consumed + window || (nextToStart >= bundles.count && !closed) { condition.wait() }
            if cancelled || nextToStart >= bundles.count {
                running -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let index = nextToStart
            nextToStart += 1
            let bundle = bundles[index]
            let ahead = index + Self.readAhead < bundles.count ? bundles[index + Self.readAhead] : nil
            condition.unlock()
            // The files of a bundle a little ahead start coming from the disk while this one is
            // checked: reading then waits for the disk far less (each bundle is hinted once).
            if let ahead {
                FileSystem.adviseWillRead(directory: ahead.path, limitPerFile: AttachmentContent.inMemoryLimit)
            }
            let validated = validator.validate(bundleAt: bundle.path, name: bundle.name)
            condition.lock()
            results[index] = validated
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The validated bundle at `index`, waiting for it if need be. Call with 0, 1, 2... in
    /// order, below the number of bundles added.
    func take(_ index: Int) -> ValidatedBundle {
        condition.lock()
        defer { condition.unlock() }
        while results[index] == nil { condition.wait() }
        consumed = index + 1
        condition.broadcast()
        return results.removeValue(forKey: index)!
    }

    /// Whether the bundle at `index` is validated already (so recording it would not wait).
    func isReady(_ index: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return results[index] != nil
    }

    /// Stops starting new validations and waits for the workers to finish the ones under way.
    func stop() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
