import Foundation

/// Decoded images kept in memory up to a byte budget, least recently used dropped first.
///
/// Why: decoding a JPEG costs far more than cropping it, and training visits every image once per
/// epoch (25 crops each), so decoding once pays off, but a whole dataset need not fit: KonIQ-10k
/// at 1024×768 is about 24 GB of RGB. With a budget the cache holds what fits and decodes the
/// rest again on demand; results are the same whatever the budget. Thread-safe: decoding happens
/// outside the lock, so threads decode different images in parallel (two threads missing on the
/// same image at once may both decode it; the first stored wins).
public final class DecodedImageCache: @unchecked Sendable {
    public struct Statistics: Equatable, Sendable {
        public var hits = 0
        public var misses = 0
        public var evictions = 0
        /// Images currently held, and their pixel bytes.
        public var images = 0
        public var bytes = 0
    }

    /// Pixel bytes the cache may hold (an image larger than this is returned but never kept).
    public let byteBudget: Int
    private let decode: @Sendable (URL) throws -> RGBImage
    private let lock = NSLock()

    /// A doubly linked list over array slots (no reference cycles), most recent at `head`.
    private struct Slot {
        var key: String
        var image: RGBImage?
        var newer: Int
        var older: Int
    }
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var index: [String: Int] = [:]
    private var head = -1
    private var tail = -1
    private var stats = Statistics()

    /// `decode` defaults to `ImageIO.read` (tests and callers with another source pass their own).
    public init(byteBudget: Int, decode: @escaping @Sendable (URL) throws -> RGBImage = { try ImageIO.read($0) }) {
        self.byteBudget = max(0, byteBudget)
        self.decode = decode
    }

    public var statistics: Statistics {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }

    /// The decoded image at `url`, from the cache or decoded now (errors are not cached).
    public func image(at url: URL) throws -> RGBImage {
        let key = url.standardizedFileURL.path
        lock.lock()
        if let slot = index[key], let image = slots[slot].image {
            stats.hits += 1
            moveToFront(slot)
            lock.unlock()
            return image
        }
        stats.misses += 1
        lock.unlock()

        let image = try decode(url)
        let cost = image.pixels.count
        guard cost <= byteBudget else { return image }

        lock.lock()
        defer { lock.unlock() }
        if let slot = index[key], let stored = slots[slot].image {
            moveToFront(slot) // another thread stored it meanwhile
            return stored
        }
        while stats.bytes + cost > byteBudget, tail >= 0 {
            remove(tail)
            stats.evictions += 1
        }
        insertAtFront(key: key, image: image)
        stats.images += 1
        stats.bytes += cost
        return image
    }

    /// Drops every image (statistics of hits and misses are kept).
    public func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        slots = []
        freeSlots = []
        index = [:]
        head = -1
        tail = -1
        stats.images = 0
        stats.bytes = 0
    }

    // MARK: List operations (lock held)

    private func unlink(_ slot: Int) {
        let s = slots[slot]
        if s.newer >= 0 { slots[s.newer].older = s.older } else { head = s.older }
        if s.older >= 0 { slots[s.older].newer = s.newer } else { tail = s.newer }
        slots[slot].newer = -1
        slots[slot].older = -1
    }

    private func linkAtFront(_ slot: Int) {
        slots[slot].newer = -1
        slots[slot].older = head
        if head >= 0 { slots[head].newer = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        linkAtFront(slot)
    }

    private func insertAtFront(key: String, image: RGBImage) {
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[slot] = Slot(key: key, image: image, newer: -1, older: -1)
        } else {
            slot = slots.count
            slots.append(Slot(key: key, image: image, newer: -1, older: -1))
        }
        index[key] = slot
        linkAtFront(slot)
    }

    private func remove(_ slot: Int) {
        unlink(slot)
        stats.bytes -= slots[slot].image?.pixels.count ?? 0
        stats.images -= 1
        index[slots[slot].key] = nil
        slots[slot].image = nil
        freeSlots.append(slot)
    }
}
