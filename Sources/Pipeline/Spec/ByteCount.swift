import Foundation

/// Sizes in bytes as pipeline files write them, and as messages print them.
public enum ByteCount {
    /// A number of bytes (`8388608`, also as a string) or a string with a unit: `KB`, `MB`, `GB`
    /// (powers of 1000) or `KiB`, `MiB`, `GiB` (powers of 1024), `B` for bytes.
    public static func parse(_ value: JSON) -> Int? {
        if let number = value.number {
            return number >= 0 && number == number.rounded() && number < 1e15 ? Int(number) : nil
        }
        guard let text = value.string?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let digits = text.prefix { $0.isNumber || $0 == "." }
        let unit = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let scale: Double
        switch unit {
        case "", "b": scale = 1
        case "kb": scale = 1e3
        case "mb": scale = 1e6
        case "gb": scale = 1e9
        case "kib": scale = 1024
        case "mib": scale = 1_048_576
        case "gib": scale = 1_073_741_824
        default: return nil
        }
        guard let number = Double(digits) else { return nil }
        let bytes = (number * scale).rounded()
        return bytes < 1e15 ? Int(bytes) : nil
    }

    /// `8 MiB`, `1.5 MiB`, `900 KiB`, `512 bytes`.
    public static func text(_ bytes: Int) -> String {
        for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= size {
            let value = Double(bytes) / Double(size)
            let rounded = (value * 10).rounded() / 10
            return rounded == rounded.rounded() ? "\(Int(rounded)) \(unit)" : "\(rounded) \(unit)"
        }
        return "\(bytes) bytes"
    }
}
