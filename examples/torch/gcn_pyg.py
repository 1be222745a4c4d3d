"""A two-layer GCN written the way PyTorch Geometric writes it: an
`edge_index` of (source, target) pairs instead of an adjacency matrix, the
symmetric normalisation computed by the layer (PyG's gcn_norm: degrees by a
scatter-add, deg^-1/2 gathered per edge), messages lifted with
index_select (PyG's x_j) and summed per target with index_add_ (PyG's
"add" aggregation). The graph has no input features; each paper gets a
learned embedding looked up by its global id (PyG's `batch.n_id`), the usual
front end for a featureless graph.

Every gather and scatter is a product with a one-hot matrix whose stored
coordinates are the index itself (docs/torch.md, Gathers), so fuseflow
walks the edges as PyG does and computes them exactly.

    PYTHONPATH=compiler/torch /usr/bin/python3 -m fuseflow_torch export \
        examples/torch/gcn_pyg.py --seed 1 --size nodes=512 --out out/torch/gcn_pyg
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import data


def gcn_norm(edge_index, edge_weight, num_nodes):
    """D^-1/2 A D^-1/2 per edge, the degree summed at the target (PyG's
    gcn_norm with the self loops already in edge_index)."""
    row, col = edge_index
    deg = torch.zeros(num_nodes).index_add_(0, col, edge_weight)
    deg_inv_sqrt = deg.pow(-0.5)
    return deg_inv_sqrt[row] * edge_weight * deg_inv_sqrt[col]


class GCNConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.bias = nn.Parameter(torch.empty(out_channels))
        nn.init.uniform_(self.bias, -0.1, 0.1)

    def forward(self, x, edge_index, edge_weight=None):
        if edge_weight is None:
            edge_weight = torch.ones((edge_index.size(1), ), device=edge_index.device)
        norm = gcn_norm(edge_index, edge_weight, x.size(0))
        x = self.lin(x)
        x_j = x.index_select(0, edge_index[0])                  # message from the source
        out = torch.zeros_like(x).index_add_(0, edge_index[1], norm.view(-1, 1) * x_j)
        return out + self.bias


class GCN(nn.Module):
    def __init__(self, num_embeddings, embedding_dim, hidden_channels, out_channels, dropout=0.5):
        super().__init__()
        self.emb = nn.Embedding(num_embeddings, embedding_dim)
        self.conv1 = GCNConv(embedding_dim, hidden_channels)
        self.conv2 = GCNConv(hidden_channels, out_channels)
        self.dropout = dropout

    def forward(self, n_id, edge_index):
        x = self.emb(n_id)
        x = F.relu(self.conv1(x, edge_index))
        x = F.dropout(x, p=self.dropout, training=self.training)
        x = self.conv2(x, edge_index)
        return F.log_softmax(x, dim=1)


def example(seed=0, nodes=48, embedding=16, hidden=16):
    """A `nodes`-paper slice of Cora (seeded breadth-first from a paper),
    its citations both ways plus a self loop per paper as edge_index, and an
    embedding of every one of Cora's 2708 papers; 7 classes."""
    _, adj, _, n_id, total = data.cora(nodes, seed, with_ids=True)
    adj = adj + torch.eye(nodes)                                  # PyG's add_self_loops, done by the loader
    edge_index = adj.nonzero().t().contiguous()                   # [2, E]: (source, target), sorted by source
    torch.manual_seed(seed)
    model = GCN(total, embedding, hidden, 7).eval()
    return {'module': model, 'inputs': (n_id, edge_index)}
