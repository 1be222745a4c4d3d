"""Models the exporter must refuse, one per kind of error (test_torch.c).

Each function returns a model with the example inputs; the line the export
must name is marked `# ERROR: <function>`, and the message must name the op.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Cat(nn.Module):
    def forward(self, x):
        return torch.cat([x, x], dim=1)  # ERROR: cat


class Conv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 2, 3)

    def forward(self, x):
        return torch.relu(self.conv(x))  # ERROR: conv1d


class Cumsum(nn.Module):
    def forward(self, x):
        return x.cumsum(dim=1) * 2  # ERROR: cumsum


class Slice(nn.Module):
    def forward(self, x):
        return x[:, :2] + 1  # ERROR: slicing


class Regroup(nn.Module):
    def forward(self, x):
        return torch.relu(x.view(4, 6))  # ERROR: regroup


class PositiveMask(nn.Module):
    def forward(self, x, mask):
        s = x.masked_fill(mask, float('-inf'))  # ERROR: positive_mask
        return torch.softmax(s, dim=-1)


class ControlFlow(nn.Module):
    def forward(self, x):
        if x.sum() > 0:  # ERROR: control_flow
            return x * 2
        return x


class TrainingDropout(nn.Module):
    def forward(self, x):
        return F.dropout(x, 0.5) + 1  # ERROR: training_dropout


def _x(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def cat(seed=0):
    return {'module': Cat(), 'inputs': (_x(4, 3, seed=seed),)}


def conv1d(seed=0):
    torch.manual_seed(seed)
    return {'module': Conv(), 'inputs': (_x(1, 2, 8, seed=seed),)}


def cumsum(seed=0):
    return {'module': Cumsum(), 'inputs': (_x(4, 3, seed=seed),)}


def slicing(seed=0):
    return {'module': Slice(), 'inputs': (_x(4, 3, seed=seed),)}


def regroup(seed=0):
    return {'module': Regroup(), 'inputs': (_x(6, 4, seed=seed),)}


def positive_mask(seed=0):
    mask = torch.eye(4, dtype=torch.bool)
    return {'module': PositiveMask(), 'inputs': (_x(4, 4, seed=seed), mask), 'sparse': {'mask': 'csr'}}


def control_flow(seed=0):
    return {'module': ControlFlow(), 'inputs': (_x(4, 3, seed=seed),)}


def training_dropout(seed=0):
    return {'module': TrainingDropout(), 'inputs': (_x(4, 3, seed=seed),)}
