import CDistributed
import Foundation
import Tensor

/// A failure of the MPI layer, with MPI's own words.
public struct DistributedError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var code: Int32
    public var message: String
    public var description: String { "MPI \(call) failed (code \(code)): \(message)" }
}

/// The processes training one model together (data parallelism over MPI ranks), or one process
/// alone. Every rank holds the whole model; each takes a contiguous share of every global batch,
/// and their gradients are summed over the one contiguous gradient buffer before the (identical)
/// optimizer step. Like the no-grad mode it is task-local: the CLI joins MPI once and runs the
/// command inside `ProcessGroup.$active.withValue(group)`.
public final class ProcessGroup: Sendable {
    public let rank: Int
    public let size: Int
    let usesMPI: Bool

    init(rank: Int, size: Int, usesMPI: Bool) { self.rank = rank; self.size = size; self.usesMPI = usesMPI }

    public static let single = ProcessGroup(rank: 0, size: 1, usesMPI: false)
    @TaskLocal public static var active: ProcessGroup = .single

    /// Rank 0 evaluates and writes results; the others only train.
    public var isLeader: Bool { rank == 0 }

    /// Whether this process was started by an MPI launcher (mpirun / mpiexec / srun with PMIx).
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// Joins MPI_COMM_WORLD (initialising MPI once per process).
    public static func joinMPI() throws(DistributedError) -> ProcessGroup {
        if fl_mpi_is_initialized() == 0 { try check("MPI_Init_thread", fl_mpi_init()) }
        var rank: Int32 = 0, size: Int32 = 1
        try check("MPI_Comm_rank", fl_mpi_rank(&rank))
        try check("MPI_Comm_size", fl_mpi_size(&size))
        return ProcessGroup(rank: Int(rank), size: Int(size), usesMPI: true)
    }

    /// Sums `count` floats from `storage` over every rank, in place.
    public func sum(_ storage: Storage, count: Int) throws(DistributedError) {
        guard size > 1 else { return }
        try Self.check("MPI_Allreduce", fl_mpi_allreduce_sum_float(storage.pointer, count))
    }

    /// The sum of `value` over every rank.
    public func sum(_ value: Double) throws(DistributedError) -> Double {
        guard size > 1 else { return value }
        var v = value
        try Self.check("MPI_Allreduce", fl_mpi_allreduce_sum_double(&v, 1))
        return v
    }

    /// Whether any rank says `flag` (every rank gets the same answer, so all stop together).
    public func any(_ flag: Bool) throws(DistributedError) -> Bool {
        guard size > 1 else { return flag }
        var v: Int32 = flag ? 1 : 0
        try Self.check("MPI_Allreduce", fl_mpi_allreduce_max_int(&v))
        return v != 0
    }

    /// The contiguous share of `batch` this rank trains on (ranks past the end get none).
    public func share<T>(of batch: ArraySlice<T>) -> ArraySlice<T> {
        guard size > 1 else { return batch }
        let per = (batch.count + size - 1) / size
        let start = batch.startIndex + min(batch.count, rank * per)
        return batch[start..<min(batch.endIndex, start + per)]
    }

    /// Stops every rank: a failing rank calls this after printing its error, so the others do
    /// not wait forever in the next all-reduce.
    public func abort(code: Int32) -> Never {
        if usesMPI { fl_mpi_abort(code) }
        exit(code)
    }

    /// Leaves MPI at a normal exit.
    public func finish() {
        if usesMPI { _ = fl_mpi_finalize() }
    }

    static func check(_ call: String, _ code: Int32) throws(DistributedError) {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        fl_mpi_error_string(code, &text, Int32(text.count))
        throw DistributedError(call: call, code: code, message: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
