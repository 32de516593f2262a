"""bench/conv_layers_peer.py — PyTorch's side of bench/conv_layers.lua: the convolution and
pooling layers of the CNN benchmark (conv 1->32 3x3 pad 1 on [64,1,28,28], max_pool 2, conv
32->64 3x3 pad 1 on [64,32,14,14], max_pool 2), each forward and backward as a training step
runs them (autograd on, parameters requiring grad, .grad reset to None before each backward),
and the four layers chained forward then backward.

Standalone it prints "RESULT torch:<layer> <forward> <backward> <sum> ms" for every layer, each
the median of 21 runs after warm-ups. With --serve FIFO it stays alive and answers one case name per line read from
FIFO, so bench/conv_layers.lua can alternate Tide and PyTorch case by case.
Run: /usr/bin/python3 bench/conv_layers_peer.py [threads] [--serve FIFO]"""
import time

import torch
import torch.nn.functional as F

from peer_util import medians, serve, threads_arg

torch.set_num_threads(threads_arg())
torch.manual_seed(0)

B = 64
x1 = torch.randn(B, 1, 28, 28)
w1 = (torch.randn(32, 1, 3, 3) * 0.3).requires_grad_()
b1 = (torch.randn(32) * 0.1).requires_grad_()
a1 = torch.randn(B, 32, 28, 28, requires_grad=True)        # pool1's input
x2 = torch.randn(B, 32, 14, 14, requires_grad=True)        # conv2's input
w2 = (torch.randn(64, 32, 3, 3) * 0.06).requires_grad_()
b2 = (torch.randn(64) * 0.1).requires_grad_()
a2 = torch.randn(B, 64, 14, 14, requires_grad=True)        # pool2's input
g1 = torch.randn(B, 32, 28, 28)
gp1 = torch.randn(B, 32, 14, 14)
g2 = torch.randn(B, 64, 14, 14)
gp2 = torch.randn(B, 64, 7, 7)
leaves = [w1, b1, a1, x2, w2, b2, a2]


def clear():
    for t in leaves:
        t.grad = None


def conv1():
    return F.conv2d(x1, w1, b1, padding=1)


def pool1():
    return F.max_pool2d(a1, 2)


def conv2():
    return F.conv2d(x2, w2, b2, padding=1)


def pool2():
    return F.max_pool2d(a2, 2)


def stack():
    y = F.max_pool2d(F.conv2d(F.max_pool2d(F.conv2d(x1, w1, b1, padding=1), 2), w2, b2, padding=1), 2)
    return y


LAYERS = {"conv1": (conv1, g1), "pool1": (pool1, gp1), "conv2": (conv2, g2), "pool2": (pool2, gp2)}


def sample(layer):
    """One run of a layer (or the stack): forward then backward; their times in seconds."""
    clear()
    f, g = (stack, gp2) if layer == "stack" else LAYERS[layer]
    t0 = time.perf_counter()
    y = f()
    t1 = time.perf_counter()
    y.backward(g)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


CASES = ["conv1", "pool1", "conv2", "pool2", "stack"]


def medians_ms(layer, reps=21):
    """Medians over reps runs (after three warm-ups) of the forward, the backward and their sum."""
    def phases():
        f, b = sample(layer)
        return f, b, f + b
    return tuple(v * 1e3 for v in medians(phases, reps, warmups=3))


def report(layer):
    print("RESULT torch:%-8s %8.3f %8.3f %8.3f ms" % ((layer,) + medians_ms(layer)), flush=True)


serve(CASES, report)
