"""The gathers, scatters, block expansions and batched products the examples
do not use, for test_torch.c: exported, run with fuseflow run --check and
compared with PyTorch within the bounds like the examples. Each output
exercises a few.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class GatherOps(nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.emb = nn.Embedding(7, 4, padding_idx=0)      # padding_idx changes only the gradient
        self.lin = nn.Linear(4, 3)
        self.register_buffer('sel', torch.tensor([[2, 0, 3], [1, 1, 4]]))
        self.register_buffer('neg', torch.tensor([-1, 0, -6, 2]))
        self.register_buffer('layout', torch.tensor([[1, 0, 1], [0, 1, 0], [1, 1, 0]], dtype=torch.bool))
        self.register_buffer('blocks', torch.tensor([[0.5, 0.0], [2.0, -1.0]]))
        self.w = nn.Parameter(torch.randn(5, 4, generator=gen))
        self.w2 = nn.Parameter(torch.randn(7, 3, generator=gen))

    def forward(self, idx, x, a, b, c, d, e, v, s):
        # embeddings of a [2, 3] index tensor, a Linear on the 3-D result,
        # F.embedding of one row of the indices
        o1 = self.lin(self.emb(idx)) + F.embedding(idx[1], self.w2).unsqueeze(0)
        # x[idx] by a row of a buffer, and with negative indices (they wrap)
        o2 = x[self.sel[0]] + x[self.neg[1:]]
        # gathers along the other dimension, of a computed value
        h = torch.relu(x @ self.w.t())                    # [6, 5]
        o3 = h[:, self.sel[1]] + h.index_select(1, self.sel[0])
        # scatter-add out of place onto a computed tensor, with alpha
        o4 = h.index_add(0, idx[0], x[idx[1]] @ self.w.t(), alpha=0.5)
        # a bool layout expanded into 2 x 2 blocks by the function form,
        # masking with 0; a float layout expanded by kron, multiplying; the
        # two block sizes in one sum (written as separate statements)
        m = torch.repeat_interleave(torch.repeat_interleave(self.layout, 2, dim=1), 2, dim=0)
        o5 = (x @ x.t()).masked_fill(~m, 0.0) + (x @ x.t()) * torch.kron(self.blocks, torch.ones(3, 3))
        o9 = (x @ x.t()) * torch.kron(self.blocks, torch.ones(3, 3)) + x @ x.t()
        # batched products: baddbmm with scalings, einsum with '...' and
        # implicit output, einsum of one operand, addbmm, mv, 4-D matmul
        o6 = torch.baddbmm(c, a, b, beta=0.5, alpha=2.0) + torch.einsum('...ij,jk', a, d) + \
            torch.einsum('bij->bji', c.transpose(1, 2))
        o7 = torch.addbmm(e, a, b) + torch.mv(e, v).unsqueeze(1) + torch.einsum('bij,bjk', a, b)
        o8 = (a.unsqueeze(0) @ b.unsqueeze(0)).squeeze(0).sum(-1) + a[..., self.sel[0]].sum(-1)
        # a sparse batch (declared 'sparse') times a dense one
        o10 = torch.bmm(s, b) + s @ b
        # nanoGPT's position embeddings by torch.arange, and a list index
        pos = torch.arange(0, idx.size(1), dtype=torch.long)
        o11 = self.emb(idx) + self.emb(pos) + x[[-1, 0, 2]][None, ...]
        return o1, o2, o3, o4, o5, o6, o7, o8, o9, o10, o11


def example(seed=0):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = GatherOps(gen).eval()

    def r(*shape):
        return torch.randn(*shape, generator=gen)
    idx = torch.tensor([[3, 0, 5], [5, 2, 3]])
    s = r(2, 3, 6) * (torch.rand(2, 3, 6, generator=gen) < 0.4)
    return {'module': model, 'inputs': (idx, r(6, 4), r(2, 3, 6), r(2, 6, 4), r(2, 3, 4), r(6, 4), r(3, 4), r(4), s),
            'sparse': {'s': 'sparse'}}
