import ArgumentParser

/// Options shared by every command that computes.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for OpenBLAS and FusionLab's parallel loops (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }
}
