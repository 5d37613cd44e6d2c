#pragma once
// OpenBLAS's CBLAS interface plus its thread controls (Debian: libopenblas-dev).
#include <cblas.h>
