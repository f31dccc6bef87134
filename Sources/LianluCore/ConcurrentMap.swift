import Dispatch

/// `[body(0), body(1), ..., body(count - 1)]`, the calls spread over the cores, the
/// results in index order (so output built from them does not depend on scheduling).
/// For start-up work that is independent per worker: loading and compiling a rule set
/// per worker thread, one after another, was most of a two-worker run's start-up.
public func concurrentMap<T>(count: Int, _ body: (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let results = UnsafeMutablePointer<T?>.allocate(capacity: count)
    results.initialize(repeating: nil, count: count)
    defer { results.deinitialize(count: count); results.deallocate() }
    // Each iteration writes only its own slot.
    DispatchQueue.concurrentPerform(iterations: count) { k in results[k] = body(k) }
    return (0..<count).map { results[$0]! }
}
