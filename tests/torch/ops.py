"""One model using the supported ops the four examples do not, for
test_torch.c: exported, run with fuseflow run --check, and compared with
PyTorch within the bounds like the examples. Each output exercises a few.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Ops(nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.w = nn.Parameter(torch.randn(5, 3, generator=gen))
        self.b = nn.Parameter(torch.randn(3, generator=gen))
        self.mlp = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 2, bias=False))
        self.tanh = nn.Tanh()

    def forward(self, x, y, a, adj, m, v, k):
        # bmm, matrix @ vector with unsqueezed broadcasting, addmm with scalings
        o1 = torch.bmm(a, a.transpose(1, 2)) + (x @ v).unsqueeze(0).unsqueeze(1)
        o2 = torch.addmm(self.b, x, self.w, beta=0.5, alpha=2.0)
        # a transposed sparse matrix (csr, read as csc) and a torch COO matrix
        o3 = adj.t() @ y + torch.sparse.mm(m, y)
        # broadcasting, mean and sum with and without keepdim, sub with alpha,
        # expand, pow, sigmoid, rsqrt, sqrt, neg, division by a constant
        z = torch.sub(y, y.mean(dim=1, keepdim=True), alpha=2) * y.sum(0).expand(5, 3)
        o4 = -z.pow(2) / 3 + torch.sigmoid(y) - torch.rsqrt(y * y + 1) + torch.sqrt(y * y) + torch.neg(y)
        # masked_fill(mask == 0, 0) leaves a sparse tensor; exp reads it dense
        o5 = torch.exp(y.masked_fill(k == 0, 0.0))
        # softmax along the first dimension
        o6 = F.softmax(x @ y, dim=0)
        # flatten into a Sequential; a transposed view as an output
        o7 = self.mlp(a.flatten(1)).t()
        # the table and exp-divide units: tanh (function and module), erf,
        # both gelus, log of a positive value (softplus), F.sigmoid
        o8 = (torch.tanh(y) + self.tanh(adj @ y) * 0.5 + torch.erf(y) + F.gelu(y)
              + F.gelu(y, approximate='tanh') + torch.log(torch.exp(y) + 1) - F.sigmoid(2 * y))
        # log_softmax along the first dimension, and rows scaled to unit length
        o9 = F.log_softmax(x @ self.w, dim=0) + F.normalize(x @ self.w, dim=1)
        return o1, o2, o3, o4, o5, o6, o7, o8, o9


def example(seed=0):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = Ops(gen).eval()

    def r(*shape):
        return torch.randn(*shape, generator=gen)
    adj = (torch.rand(5, 5, generator=gen) < 0.4).float() * r(5, 5)
    m = ((torch.rand(5, 5, generator=gen) < 0.3).float() * r(5, 5)).to_sparse()
    k = (torch.rand(5, 3, generator=gen) < 0.5).float()
    inputs = (r(4, 5), r(5, 3), r(3, 4, 5), adj, m, r(5), k)
    return {'module': model, 'inputs': inputs, 'sparse': {'adj': 'csr', 'k': 'csr'}}
