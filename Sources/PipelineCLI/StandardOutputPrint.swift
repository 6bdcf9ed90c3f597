import Sinks

/// Every `print` of the commands (help, `validate`'s "ok" lines, `graph`, `list`): written to file
/// descriptor 1 at once, through the stdout sink's writer, instead of through a stdio buffer
/// whose failed writes nobody would see. A write that fails (the reader went away, stdout
/// closed) is remembered, and `main` then exits 3 with one line on stderr.
///
/// Declared in this module, it is the `print` every file of it calls (it shadows `Swift.print`).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    try? StandardOutput.write(items.map { "\($0)" }.joined(separator: separator) + terminator)
}
