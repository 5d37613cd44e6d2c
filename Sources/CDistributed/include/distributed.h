#ifndef FUSIONLAB_DISTRIBUTED_H
#define FUSIONLAB_DISTRIBUTED_H

// OpenMPI's MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM … are macros over global objects that Swift
// cannot import; these functions hide them. Every call returns MPI's error code (0: success).

int fl_mpi_init(void);
int fl_mpi_is_initialized(void);
int fl_mpi_rank(int *rank);
int fl_mpi_size(int *size);
/// In-place sum over every rank of `count` floats.
int fl_mpi_allreduce_sum_float(float *buffer, long count);
/// In-place sum over every rank of `count` doubles.
int fl_mpi_allreduce_sum_double(double *buffer, long count);
/// In-place maximum over every rank of one int (a failure flag every rank agrees on).
int fl_mpi_allreduce_max_int(int *value);
int fl_mpi_barrier(void);
/// Stops every rank (mpirun ends the job): what a failing rank calls so the others do not hang.
void fl_mpi_abort(int code);
int fl_mpi_finalize(void);
/// The text of an MPI error code.
void fl_mpi_error_string(int code, char *out, int capacity);

#endif
