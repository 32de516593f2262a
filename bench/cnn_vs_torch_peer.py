"""The PyTorch side of bench/run_cnn_vs_torch.sh: the benchmark CNN of issue 3 trained on Fashion-MNIST.

Network: conv 32 3x3 pad 1, ReLU, maxpool 2, conv 64 3x3 pad 1, ReLU, maxpool 2,
linear 3136->128, ReLU, linear 128->10; cross-entropy; Adam lr 1e-3; batch 64; 2 threads.
Batches are cut from in-memory tensors with a shuffled index each epoch (the fastest way to feed
PyTorch; its DataLoader over a TensorDataset would only slow it down). Prints RESULT lines:
training images/s (every epoch's images over its wall time, loader included), inference
images/s over the test set (batch 1000, eval mode, no_grad), test accuracy after training,
and the peak resident memory of the process.

Usage: /usr/bin/python3 bench/cnn_vs_torch_peer.py [--epochs 2] [--threads 2] [--data DIR] [--limit N]
"""
import argparse
import gzip
import os
import resource
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(3136, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images only")
    ap.add_argument("--data", default=os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)

    def load(split):
        x = read_idx(os.path.join(a.data, f"{split}-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(a.data, f"{split}-labels-idx1-ubyte.gz"))
        return (torch.from_numpy(x.astype(np.float32) / 255).unsqueeze(1), torch.from_numpy(y.astype(np.int64)))

    xtr, ytr = load("train")
    xte, yte = load("t10k")
    if a.limit:
        xtr, ytr = xtr[: a.limit], ytr[: a.limit]
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = xtr.shape[0]
    trained, train_time = 0, 0.0
    for epoch in range(a.epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n - a.batch + 1, a.batch):
            idx = perm[i:i + a.batch]
            x, y = xtr[idx], ytr[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            trained += a.batch
        dt = time.perf_counter() - t0
        train_time += dt
        print(f"peer epoch {epoch + 1}: {dt:.1f} s, loss {loss.item():.4f}", flush=True)

    model.eval()
    correct = 0
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, xte.shape[0], 1000):
            pred = model(xte[i:i + 1000]).argmax(1)
            correct += int((pred == yte[i:i + 1000]).sum())
    infer_time = time.perf_counter() - t0
    print(f"RESULT peer:train_img_s {trained / train_time:.1f}")
    print(f"RESULT peer:infer_img_s {xte.shape[0] / infer_time:.1f}")
    print(f"RESULT peer:test_acc {100 * correct / xte.shape[0]:.2f}")
    print(f"RESULT peer:peak_rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main()
