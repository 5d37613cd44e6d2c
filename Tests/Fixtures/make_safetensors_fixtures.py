#!/usr/bin/env python3
"""Writes the safetensors files that Tests/NNTests/InteroperabilityTests.swift loads, with
Python's `safetensors` package (what `safetensors.torch.save_file` uses underneath). Run once;
the outputs are committed.

    python3 -m pip install safetensors numpy
    python3 Tests/Fixtures/make_safetensors_fixtures.py

- Tests/NNTests/Fixtures/from_python.safetensors: a Linear(3, 2) with known weights, F32.
- Tests/Fixtures/python_dtypes.safetensors: F64, F16 and F32 tensors of awkward values (subnormals,
  the F16 range limits, values that round), and Tests/Fixtures/python_dtypes.json: the same values as
  numpy converts them to float32 (written as exact decimal strings of those float32 values), which the
  test compares with FusionLab's conversion bit for bit. (BF16 needs torch and is not covered here.)
"""
import json
import os

import numpy as np
import safetensors
from safetensors.numpy import save_file

here = os.path.dirname(os.path.abspath(__file__))
tests = os.path.dirname(here)

save_file({"linear.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
           "linear.bias": np.array([0.5, -1.5], dtype=np.float32)},
          os.path.join(tests, "NNTests", "Fixtures", "from_python.safetensors"), metadata={"format": "pt"})

rng = np.random.default_rng(7)
tensors = {
    "f64.values": np.array([[0.1, -2.5e-3, 1e10], [1 / 3, -0.0, 3.4e38]], dtype=np.float64),
    "f16.values": np.array([1.5, -1 / 3, 65504, 6.103515625e-05, 5.960464477539063e-08, -0.0, 0.1], dtype=np.float16),
    "f32.random": rng.normal(size=(4, 5)).astype(np.float32),
    "f64.random": rng.normal(size=(3, 2, 2)),
}
save_file(tensors, os.path.join(here, "python_dtypes.safetensors"), metadata={"written_by": "make_safetensors_fixtures.py"})
expected = {name: {"shape": list(t.shape), "float32": [repr(float(v)) for v in t.astype(np.float32).ravel()]}
            for name, t in tensors.items()}
with open(os.path.join(here, "python_dtypes.json"), "w") as f:
    json.dump({"safetensors": safetensors.__version__, "numpy": np.__version__, "tensors": expected}, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote the fixtures")
