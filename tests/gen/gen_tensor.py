"""Reference values for tests/lua/tensor_spec.lua: creation, views and casts, from NumPy.

Run: /usr/bin/python3 tests/gen/gen_tensor.py   (writes tests/fixtures/tensor.lua)
"""
import os

import numpy as np

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
cast_src = np.array([-2.7, -0.5, 0.0, 0.5, 2.5, 2.7, 255.0, 300.0, -1.0])

cases = {
    "linspace": np.linspace(-1, 2, 7),
    "linspace_f32": np.linspace(0, 1, 11, dtype=np.float32),
    "arange_frac": np.arange(0, 1, 0.1, dtype=np.float64),
    "arange_neg": np.arange(5, -3, -2, dtype=np.float64),
    "eye_rect": np.eye(3, 5, dtype=np.float32),
    "permute_201": np.ascontiguousarray(x.transpose(2, 0, 1)),
    "transpose_13": np.ascontiguousarray(x.swapaxes(0, 2)),
    "slice_step": np.ascontiguousarray(x[:, 0:3:2, 1:4:2]),
    "select_2_3": np.ascontiguousarray(x[:, 2, :]),
    "reshape_of_transpose": x.swapaxes(1, 2).reshape(6, 4),
    "flatten_23": x.reshape(2, 12),
    "cast_int32": cast_src.astype(np.int32),
    "cast_int64": cast_src.astype(np.int64),
    "cast_bool": cast_src.astype(bool),
    "cast_f32": cast_src.astype(np.float32).astype(np.float64),
    "cast_uint8_inrange": cast_src[[2, 3, 5, 6]].astype(np.uint8),
}
write_fixture(os.path.join(here, "..", "fixtures", "tensor.lua"), cases, "tests/gen/gen_tensor.py")
