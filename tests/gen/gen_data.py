"""Reference values for tests/lua/data_spec.lua and tests/c/test_data.c: bilinear resizing as
PyTorch's F.interpolate(mode="bilinear", align_corners=False) (no antialiasing), down and up,
on float32 images [N, C, H, W]; Normalize as torchvision computes it ((x - mean) / std in float32).

Run: /usr/bin/python3 tests/gen/gen_data.py   (writes tests/fixtures/data.lua)
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)

cases = {}
for name, shape, size in [
    ("resize_down", (2, 3, 7, 9), (5, 4)),
    ("resize_up", (1, 2, 4, 5), (9, 11)),
    ("resize_mixed", (2, 1, 6, 6), (3, 10)),
    ("resize_same", (1, 3, 5, 5), (5, 5)),
    ("resize_to_one", (1, 1, 5, 7), (1, 1)),
    ("resize_28_to_32", (1, 1, 28, 28), (32, 32)),
]:
    x = rng.random(shape, dtype=np.float32)
    y = F.interpolate(torch.from_numpy(x), size=size, mode="bilinear", align_corners=False)
    cases[name] = {"input": x, "size": list(size), "expected": y.numpy()}

x = rng.random((2, 3, 4, 5), dtype=np.float32)
mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
t = torch.from_numpy(x.copy())
m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
cases["normalize"] = {"input": x, "mean": mean, "std": std, "expected": t.sub(m).div(s).numpy()}

write_fixture(os.path.join(here, "..", "fixtures", "data.lua"), cases, "tests/gen/gen_data.py")
