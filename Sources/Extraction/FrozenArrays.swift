/// Copies of arrays as raw pointers, read-only once built, freed together with their
/// owner. The matcher's tables and the tries are read millions of times per megabyte,
/// and an array's bounds check and reference count on each read were a visible share
/// of matching; so once built they are copied out of their arrays into this.
final class FrozenArrays: @unchecked Sendable {
    private var buffers: [UnsafeMutableRawPointer] = []

    /// A copy of `a` that lives as long as this object (never empty: a zero-length
    /// array still gets one slot, so the pointer is valid to hold).
    func freeze<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
        p.initialize(from: a, count: a.count)
        buffers.append(UnsafeMutableRawPointer(p))
        return p
    }

    deinit { for b in buffers { b.deallocate() } }
}
