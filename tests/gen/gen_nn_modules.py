"""Reference values for tests/lua/nn_layers_spec.lua: every tide.nn layer and loss run by PyTorch.

For each case the PyTorch module's state_dict (key -> array, in PyTorch's order), an input, the
output, and the gradients of sum(output * r) (r a fixed random tensor of the output's shape)
with respect to the input and to every parameter. The spec builds the same layer in Tide, loads
the state_dict, and compares the output and the gradients. BatchNorm cases run in training mode
as well and also record the state after the forward (running statistics, num_batches_tracked).

Class ids (Embedding inputs, classification targets) are written 1-based, as Tide takes them;
dims in the case descriptions are PyTorch's. Whole models (a CNN, a module with named children,
an MLP) check key names and composition.

Run: /usr/bin/python3 tests/gen/gen_nn_modules.py   (writes tests/fixtures/nn_modules.lua)
"""
import os

import numpy as np
import torch
import torch.nn as nn

from fixture_writer import write_fixture

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20260311)


def arr(t):
    return t.detach().cpu().numpy().copy()


def pairs(named):
    return [[k, arr(v)] for k, v in named]


def q(t):
    """Values on a 1/256 grid: exact in float32 and short in the fixture file."""
    return torch.round(t * 256) / 256


def randomize(module):
    """Non-trivial affine parameters and running statistics (fresh BatchNorm / LayerNorm ones are
    1 / 0), and every float parameter and buffer on the 1/256 grid."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                if m.affine:
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
                if m.track_running_stats:
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 1.5)
                    m.num_batches_tracked.fill_(3)
            if isinstance(m, nn.LayerNorm) and m.elementwise_affine:
                m.weight.uniform_(0.5, 1.5)
                if m.bias is not None:
                    m.bias.uniform_(-0.5, 0.5)
        for t in list(module.parameters()) + list(module.buffers()):
            if t.is_floating_point():
                t.copy_(q(t))
    return module


def layer(module, x, train=False, int_input=False):
    randomize(module)
    module.train(train)
    sd = pairs(module.state_dict().items())
    xin = x.clone()
    if not int_input:
        xin.requires_grad_(True)
    y = module(xin)
    r = q(torch.randn(y.shape))
    case = {"sd": sd, "x": arr(x) if not int_input else arr(x) + 1, "y": arr(y), "r": arr(r)}
    if y.requires_grad:
        (y * r).sum().backward()
        if not int_input:
            case["gx"] = arr(xin.grad)
        case["grads"] = [[k, arr(p.grad)] for k, p in module.named_parameters() if p.grad is not None]
    if train:
        case["after"] = pairs(module.state_dict().items())
    return case


def loss(module, x, target, class_target=False):
    xin = x.clone().requires_grad_(True)
    y = module(xin, target)
    r = q(torch.randn(y.shape))
    (y * r).sum().backward()
    t = arr(target) + 1 if class_target else arr(target)
    return {"sd": pairs(module.state_dict().items()), "x": arr(x), "target": t, "y": arr(y), "r": arr(r),
            "gx": arr(xin.grad)}


def randn(*shape):
    return q(torch.randn(*shape))


cases = {}

# ---------------------------------------------------------------- layers
cases["linear"] = layer(nn.Linear(5, 3), randn(4, 5))
cases["linear_nobias_3d"] = layer(nn.Linear(4, 2, bias=False), randn(2, 3, 4))
cases["conv1d"] = layer(nn.Conv1d(3, 4, 3, stride=2, padding=1), randn(2, 3, 9))
cases["conv2d"] = layer(nn.Conv2d(3, 4, 3, padding=1), randn(2, 3, 4, 4))
cases["conv2d_groups"] = layer(nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2,
                                         bias=False), randn(1, 4, 7, 6))
cases["conv2d_same"] = layer(nn.Conv2d(2, 3, 3, padding="same", dilation=2), randn(1, 2, 7, 7))
cases["conv2d_unbatched"] = layer(nn.Conv2d(2, 3, 2), randn(2, 5, 5))
cases["conv_transpose2d"] = layer(nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
                                  randn(2, 4, 4, 3))
cases["conv_transpose2d_groups"] = layer(nn.ConvTranspose2d(4, 6, (2, 3), stride=(1, 2), groups=2, dilation=(2, 1)),
                                         randn(1, 4, 3, 4))
cases["maxpool2d"] = layer(nn.MaxPool2d(2), randn(2, 3, 6, 6))
cases["maxpool2d_opts"] = layer(nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), randn(1, 2, 8, 7))
cases["avgpool2d"] = layer(nn.AvgPool2d(2), randn(2, 3, 6, 4))
cases["avgpool2d_opts"] = layer(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), randn(1, 2, 7, 6))
cases["adaptive_avgpool2d"] = layer(nn.AdaptiveAvgPool2d((2, 3)), randn(1, 3, 7, 8))
cases["adaptive_avgpool2d_1"] = layer(nn.AdaptiveAvgPool2d(1), randn(2, 3, 5, 5))
cases["batchnorm1d_eval"] = layer(nn.BatchNorm1d(4), randn(6, 4))
cases["batchnorm1d_train"] = layer(nn.BatchNorm1d(4), randn(6, 4), train=True)
cases["batchnorm1d_3d_train"] = layer(nn.BatchNorm1d(3), randn(4, 3, 5), train=True)
cases["batchnorm2d_eval"] = layer(nn.BatchNorm2d(3), randn(2, 3, 4, 4))
cases["batchnorm2d_train"] = layer(nn.BatchNorm2d(3, momentum=0.2), randn(2, 3, 4, 4), train=True)
cases["batchnorm2d_noaffine_train"] = layer(nn.BatchNorm2d(3, affine=False), randn(2, 3, 3, 3), train=True)
cases["layernorm"] = layer(nn.LayerNorm(5), randn(3, 5))
cases["layernorm_2d"] = layer(nn.LayerNorm((3, 4), eps=1e-3), randn(2, 3, 4))
cases["embedding"] = layer(nn.Embedding(10, 4), torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]]), int_input=True)
cases["embedding_padding"] = layer(nn.Embedding(6, 3, padding_idx=2), torch.tensor([0, 2, 5, 2, 1]),
                                   int_input=True)
cases["flatten"] = layer(nn.Flatten(), randn(2, 3, 4))
cases["flatten_dims"] = layer(nn.Flatten(0, 1), randn(2, 3, 4))
cases["unflatten"] = layer(nn.Unflatten(1, (2, 3)), randn(2, 6, 2))
cases["identity"] = layer(nn.Identity(), randn(3, 2))
cases["relu"] = layer(nn.ReLU(), randn(3, 4))
cases["leaky_relu"] = layer(nn.LeakyReLU(0.2), randn(3, 4))
cases["elu"] = layer(nn.ELU(0.5), randn(3, 4))
cases["gelu"] = layer(nn.GELU(), randn(3, 4))
cases["gelu_tanh"] = layer(nn.GELU(approximate="tanh"), randn(3, 4))
cases["sigmoid"] = layer(nn.Sigmoid(), randn(3, 4))
cases["tanh"] = layer(nn.Tanh(), randn(3, 4))
cases["softmax"] = layer(nn.Softmax(dim=1), randn(3, 4))
cases["softmax_dim0"] = layer(nn.Softmax(dim=0), randn(3, 4))
cases["log_softmax"] = layer(nn.LogSoftmax(dim=1), randn(2, 3, 2))
cases["dropout_eval"] = layer(nn.Dropout(0.3), randn(3, 4))

# ---------------------------------------------------------------- losses
logits = randn(5, 4)
cls = torch.tensor([0, 3, 1, 1, 2])
cw = torch.rand(4) + 0.5
cases["cross_entropy"] = loss(nn.CrossEntropyLoss(), logits, cls, True)
cases["cross_entropy_weight_smooth"] = loss(nn.CrossEntropyLoss(weight=cw, label_smoothing=0.1), logits, cls, True)
cases["cross_entropy_sum"] = loss(nn.CrossEntropyLoss(reduction="sum"), logits, cls, True)
cases["cross_entropy_none"] = loss(nn.CrossEntropyLoss(reduction="none"), logits, cls, True)
cases["cross_entropy_probs"] = loss(nn.CrossEntropyLoss(), logits, torch.softmax(randn(5, 4), 1))
cases["cross_entropy_spatial"] = loss(nn.CrossEntropyLoss(), randn(2, 3, 2, 2), torch.randint(0, 3, (2, 2, 2)), True)
cases["nll"] = loss(nn.NLLLoss(weight=cw), torch.log_softmax(logits, 1), cls, True)
x, t = randn(3, 4), randn(3, 4)
cases["mse"] = loss(nn.MSELoss(), x, t)
cases["mse_none"] = loss(nn.MSELoss(reduction="none"), x, t)
cases["l1"] = loss(nn.L1Loss(), x, t)
cases["l1_sum"] = loss(nn.L1Loss(reduction="sum"), x, t)
cases["huber"] = loss(nn.HuberLoss(delta=0.5), x, t)
p, yb = torch.sigmoid(randn(3, 4)), (torch.rand(3, 4) > 0.5).float()
cases["bce"] = loss(nn.BCELoss(weight=torch.rand(4)), p, yb)
cases["bce_with_logits"] = loss(nn.BCEWithLogitsLoss(pos_weight=torch.rand(4) + 0.5), randn(3, 4), yb)
cases["bce_with_logits_sum"] = loss(nn.BCEWithLogitsLoss(weight=torch.rand(3, 1), reduction="sum"), randn(3, 4), yb)


# ---------------------------------------------------------------- whole models
class Net(nn.Module):
    """A module with named children (keys "features.0.weight", "classifier.bias")."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(4 * 3 * 3, 3)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


cases["model_cnn"] = layer(nn.Sequential(
    nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(4, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25), nn.Linear(8, 5)), randn(1, 1, 8, 8))
cases["model_named"] = layer(Net(), randn(2, 1, 6, 6))
cases["model_mlp_train"] = layer(nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 8),
                                               nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 2), nn.LogSoftmax(dim=1)),
                                 randn(5, 6), train=True)

write_fixture(os.path.join(here, "..", "fixtures", "nn_modules.lua"), cases, "tests/gen/gen_nn_modules.py")
