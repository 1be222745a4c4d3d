"""A two-layer graph convolutional network (Kipf & Welling), written the way
pygcn writes it: GraphConvolution layers, a normalised adjacency passed in
as a torch sparse matrix, dropout between the layers, log_softmax last.

    PYTHONPATH=compiler/torch /usr/bin/python3 -m fuseflow_torch export \
        examples/torch/gcn.py --seed 1 --size nodes=64 --out out/torch/gcn
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import data


class GraphConvolution(nn.Module):
    """output = adj @ (input @ weight) + bias"""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        stdv = 1.0 / math.sqrt(out_features)
        self.weight.data.uniform_(-stdv, stdv)
        self.bias.data.uniform_(-stdv, stdv)

    def forward(self, input, adj):
        support = torch.mm(input, self.weight)
        output = torch.spmm(adj, support)
        return output + self.bias


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout=0.5):
        super().__init__()
        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        x = self.gc2(x, adj)
        return F.log_softmax(x, dim=1)


def normalized_adjacency(adj):
    """D^-1/2 (A + I) D^-1/2 as a torch sparse CSR matrix (preprocessing, in float)."""
    a = adj + torch.eye(adj.shape[0])
    d = a.sum(1).pow(-0.5)
    return (d[:, None] * a * d[None, :]).to_sparse_csr()


def example(seed=0, nodes=64, hidden=16):
    """GCN on a `nodes`-paper slice of Cora: 1433 word features (rows
    normalised, stored csr), 7 classes, weights initialised with `seed`."""
    x, adj, _ = data.cora(nodes, seed)
    x = x / x.sum(1, keepdim=True).clamp(min=1)
    torch.manual_seed(seed)
    model = GCN(x.shape[1], hidden, 7).eval()
    return {'module': model, 'inputs': (x, normalized_adjacency(adj)), 'sparse': {'x': 'csr'}}
