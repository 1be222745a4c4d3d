"""Models the exporter must refuse, one per kind of error (test_torch.c).

Each function returns a model with the example inputs; the line the export
must name is marked `# ERROR: <function>`, and the message must name the op.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class StepSlice(nn.Module):
    def forward(self, x):
        return x[:, ::2] * 2  # ERROR: step_slice


class Conv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 2, 3)

    def forward(self, x):
        return torch.relu(self.conv(x))  # ERROR: conv1d


class Cumsum(nn.Module):
    def forward(self, x):
        return x.cumsum(dim=1) * 2  # ERROR: cumsum


class PadReflect(nn.Module):
    def forward(self, x):
        return F.pad(x, (1, 1), mode='reflect') + 1  # ERROR: pad_reflect


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


def step_slice(seed=0):
    return {'module': StepSlice(), 'inputs': (_x(4, 6, seed=seed),)}


def conv1d(seed=0):
    torch.manual_seed(seed)
    return {'module': Conv(), 'inputs': (_x(1, 2, 8, seed=seed),)}


def cumsum(seed=0):
    return {'module': Cumsum(), 'inputs': (_x(4, 3, seed=seed),)}


def pad_reflect(seed=0):
    return {'module': PadReflect(), 'inputs': (_x(4, 3, seed=seed),)}


def regroup(seed=0):
    return {'module': Regroup(), 'inputs': (_x(6, 4, seed=seed),)}


def positive_mask(seed=0):
    mask = torch.eye(4, dtype=torch.bool)
    return {'module': PositiveMask(), 'inputs': (_x(4, 4, seed=seed), mask), 'sparse': {'mask': 'csr'}}


def control_flow(seed=0):
    return {'module': ControlFlow(), 'inputs': (_x(4, 3, seed=seed),)}


def training_dropout(seed=0):
    return {'module': TrainingDropout(), 'inputs': (_x(4, 3, seed=seed),)}


# ---- gathers, scatters and block layouts ----

class EmbeddingMaxNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4, max_norm=1.0)

    def forward(self, idx):
        return self.emb(idx) * 2  # ERROR: embedding_max_norm


class IndexArithmetic(nn.Module):
    def forward(self, x, idx):
        return x[idx + 1]  # ERROR: index_arithmetic


class BoolIndex(nn.Module):
    def forward(self, x, keep):
        return x[keep] * 2  # ERROR: bool_index


class GatherOutOfRange(nn.Module):
    def forward(self, x, idx):
        return x.index_select(0, idx) * 2  # ERROR: gather_out_of_range


class InPlaceScatter(nn.Module):
    def forward(self, x, idx):
        out = torch.zeros(4, 3)
        out.index_add_(0, idx, x)  # ERROR: in_place_scatter
        return out


class RepeatOneDim(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('layout', torch.eye(2, dtype=torch.bool))

    def forward(self, x):
        rows = self.layout.repeat_interleave(2, dim=0)
        return x.masked_fill(~rows, 0.0)  # ERROR: repeat_one_dim


class RepeatMismatch(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('layout', torch.eye(2, dtype=torch.bool))

    def forward(self, x):
        mask = self.layout.repeat_interleave(3, dim=0).repeat_interleave(2, dim=1)  # ERROR: repeat_mismatch
        return x.masked_fill(~mask, 0.0)


class RepeatComputed(nn.Module):
    def forward(self, x, y):
        return x * torch.relu(y).repeat_interleave(2, dim=0)  # ERROR: repeat_computed


def embedding_max_norm(seed=0):
    torch.manual_seed(seed)
    return {'module': EmbeddingMaxNorm(), 'inputs': (torch.tensor([1, 5, 2]),)}


def index_arithmetic(seed=0):
    return {'module': IndexArithmetic(), 'inputs': (_x(6, 3, seed=seed), torch.tensor([0, 2, 4]))}


def bool_index(seed=0):
    keep = torch.tensor([True, False, True, True])
    return {'module': BoolIndex(), 'inputs': (_x(4, 3, seed=seed), keep), 'sparse': {'keep': 'sparse'}}


def gather_out_of_range(seed=0):
    return {'module': GatherOutOfRange(), 'inputs': (_x(4, 3, seed=seed), torch.tensor([0, 4]))}


def in_place_scatter(seed=0):
    return {'module': InPlaceScatter(), 'inputs': (_x(2, 3, seed=seed), torch.tensor([1, 3]))}


def repeat_one_dim(seed=0):
    return {'module': RepeatOneDim(), 'inputs': (_x(4, 2, seed=seed),)}


def repeat_mismatch(seed=0):
    return {'module': RepeatMismatch(), 'inputs': (_x(6, 4, seed=seed),)}


def repeat_computed(seed=0):
    return {'module': RepeatComputed(), 'inputs': (_x(4, 3, seed=seed), _x(2, 3, seed=seed + 1))}
