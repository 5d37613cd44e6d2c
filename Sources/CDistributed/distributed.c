#include "distributed.h"
#include <limits.h>
#include <mpi.h>
#include <string.h>

int fl_mpi_init(void) {
    int provided = 0;
    // One thread calls MPI (the trainer's); compute threads never do.
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

int fl_mpi_is_initialized(void) {
    int flag = 0;
    MPI_Initialized(&flag);
    return flag;
}

int fl_mpi_rank(int *rank) { return MPI_Comm_rank(MPI_COMM_WORLD, rank); }
int fl_mpi_size(int *size) { return MPI_Comm_size(MPI_COMM_WORLD, size); }

// MPI counts are ints: buffers past INT_MAX elements go in pieces.
static int allreduce_sum(void *buffer, long count, MPI_Datatype type, size_t element) {
    for (long start = 0; start < count; start += INT_MAX) {
        long n = count - start < INT_MAX ? count - start : INT_MAX;
        int rc = MPI_Allreduce(MPI_IN_PLACE, (char *)buffer + start * element, (int)n, type, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
    }
    return MPI_SUCCESS;
}

int fl_mpi_allreduce_sum_float(float *buffer, long count) { return allreduce_sum(buffer, count, MPI_FLOAT, sizeof(float)); }
int fl_mpi_allreduce_sum_double(double *buffer, long count) { return allreduce_sum(buffer, count, MPI_DOUBLE, sizeof(double)); }

int fl_mpi_allreduce_max_int(int *value) {
    return MPI_Allreduce(MPI_IN_PLACE, value, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
}

int fl_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
void fl_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
int fl_mpi_finalize(void) { return MPI_Finalize(); }

void fl_mpi_error_string(int code, char *out, int capacity) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
    if (capacity <= 0) return;
    int n = length < capacity - 1 ? length : capacity - 1;
    memcpy(out, text, (size_t)n);
    out[n] = 0;
}
