#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension UnsafeRawBufferPointer {
    /// The index of the first `byte` at or after `start`, found with `memchr` (vectorised): the
    /// filters that reduce answers as they arrive cross most of a page this way.
    func index(of byte: UInt8, from start: Int) -> Int? {
        guard let base = baseAddress, start < count, let found = memchr(base + start, Int32(byte), count - start) else {
            return nil
        }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
