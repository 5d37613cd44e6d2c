#pragma once
// XGBoost's C API (Debian: libxgboost-dev, 1.7.4), behind GradientBoostedTrees in Models.
#include <xgboost/c_api.h>
