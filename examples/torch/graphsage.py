"""A two-layer GraphSAGE network with the mean aggregator (Hamilton et al.),
written like PyG's SAGEConv on a dense adjacency matrix: each layer is
lin_neigh(mean of the neighbours' features) + lin_self(own features).

The adjacency is an ordinary dense 0/1 tensor; the export declares it csr
(sparse={'adj': 'csr'}), so fuseflow stores and walks only its edges while
PyTorch computes the same thing densely.

    PYTHONPATH=compiler/torch /usr/bin/python3 -m fuseflow_torch export \
        examples/torch/graphsage.py --seed 2 --size nodes=48 --out out/torch/graphsage
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import data


class SAGEConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lin_neigh = nn.Linear(in_channels, out_channels)
        self.lin_self = nn.Linear(in_channels, out_channels, bias=False)

    def forward(self, x, adj):
        deg = adj.sum(dim=1, keepdim=True)
        mean = (adj @ x) / deg
        return self.lin_neigh(mean) + self.lin_self(x)


class GraphSAGE(nn.Module):
    def __init__(self, in_channels, hidden_channels, out_channels, dropout=0.5):
        super().__init__()
        self.conv1 = SAGEConv(in_channels, hidden_channels)
        self.conv2 = SAGEConv(hidden_channels, out_channels)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, adj):
        h = F.relu(self.conv1(x, adj))
        h = self.dropout(h)
        return torch.softmax(self.conv2(h, adj), dim=-1)


def example(seed=0, nodes=48, features=128, hidden=16):
    """GraphSAGE on a `nodes`-paper slice of Cora: every paper in the slice
    has a neighbour; the `features` word features used most in the slice
    (a feature selection a user would do for a small model); 7 classes."""
    x, adj, _ = data.cora(nodes, seed)
    top = torch.argsort(-x.sum(0), stable=True)[:features]
    x = x[:, top]
    torch.manual_seed(seed)
    model = GraphSAGE(x.shape[1], hidden, 7).eval()
    return {'module': model, 'inputs': (x, adj), 'sparse': {'x': 'csr', 'adj': 'csr'}}
