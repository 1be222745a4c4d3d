"""Slicing, split, chunk, narrow, unbind, cat and pad -- the ops the exporter
reads through windows of a mode (docs/torch.md, Windows) -- for
test_torch.c: exported, run with fuseflow run --check and compared with
PyTorch within the bounds like the examples. Each output exercises a few.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class WindowOps(nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.w = nn.Parameter(torch.randn(12, 20, generator=gen))      # a fused projection, sliced
        self.qkv = nn.Linear(6, 3 * 8)
        self.lin = nn.Linear(2 * 6, 5)
        self.pad = nn.ZeroPad2d((1, 0, 0, 2))

    def forward(self, x, y, s, t):
        # slices with constant bounds: of an input, of a parameter (a window
        # on the weight, not a sliced copy), negative bounds, '...', a
        # window of a window, a product whose summed index only windows size
        o1 = x[:, 2:10] @ self.w[2:10, -6:] + x[..., :4] @ self.w[-4:, :6] + x[1:-1, 4:][:, 2:8].sum(0)
        # a fused projection split by Tensor.split, chunk and narrow, its
        # parts viewed as 2 heads of 4 (the windows fall on head boundaries)
        q, k, v = self.qkv(y).split(8, dim=1)                            # [6, 8] each
        qh, kh = q.view(6, 2, 4).transpose(0, 1), k.view(6, 2, 4).transpose(0, 1)
        att = torch.softmax(qh @ kh.transpose(1, 2), dim=-1)            # [2, 6, 6]
        o2 = (att @ v.view(6, 2, 4).transpose(0, 1)).transpose(0, 1).reshape(6, 8) + \
            torch.chunk(self.qkv(y), 3, dim=1)[2] - torch.narrow(self.qkv(y), 1, -8, 8) * 0.5
        # torch.split with a list, unbind, integer indices and one-entry
        # slices (a gather by a one-entry index each: the language has no
        # constant coordinate), torch.cat along a middle dimension
        a, b, c = torch.split(s, [1, 3, 2], dim=2)                      # s: [2, 4, 6]
        r0, r1 = s.unbind(0)
        o3 = torch.cat([b, c * 2, a], dim=2) + r0 - r1[:, 3] .unsqueeze(1) + s[:, -1:, :]
        # cat into a Linear (GraphSAGE's concat), torch.concat, hstack,
        # vstack of matrices, cat along dimension 0
        h = torch.relu(self.lin(torch.cat([y, y @ y.t() @ y / 6], dim=-1)))
        o4 = torch.concat([h, torch.hstack([y[:, :2], h[:, 2:]])], dim=0) + torch.vstack([h[3:], h[:3], h])
        # F.pad with constant 0 along two dimensions, a negative pad (a
        # crop), padding read where absent must mean 0 (exp of a pad), a
        # slice of a padded tensor, nn.ZeroPad2d, a pad of a sparse tensor
        p = F.pad(x, (1, 2, 0, 1))                                       # [9, 15]
        o5 = torch.exp(p[1:8, 3:12] * 0.25) + F.pad(x, (-3, 0), 'constant', 0)[:7] + self.pad(t)[1:8, :9] * 2
        # a cat of two sparse tensors (windows of compressed levels)
        o6 = torch.cat([t, t * 3], dim=1)
        # torch.stack (each part placed by a one-hot vector) of a window, and
        # a cat of six operands (nested: fuseflow merges four at an index)
        o7 = torch.stack([y, torch.relu(y), y[:, 1:].sum(1, keepdim=True).expand(6, 6)], dim=1)
        o8 = torch.cat([y[:, :1], y, y[:, 1:], -y, y, y], dim=1)
        return o1, o2, o3, o4, o5, o6, o7, o8


def example(seed=0):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = WindowOps(gen).eval()

    def r(*shape):
        return torch.randn(*shape, generator=gen)
    t = r(8, 8) * (torch.rand(8, 8, generator=gen) < 0.4)
    return {'module': model, 'inputs': (r(8, 12), r(6, 6), r(2, 4, 6), t), 'sparse': {'t': 'csr'}}
