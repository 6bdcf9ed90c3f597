import Glibc

/// A port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0), for servers
/// started as other processes (moto, SkyPilot's API server) that must be told their port.
public enum FreePort {
    public static func pick() throws(LoopbackError) -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackError(operation: "socket", errno: errno) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw LoopbackError(operation: "bind 127.0.0.1:0", errno: errno) }
        return UInt16(bigEndian: address.sin_port)
    }
}
