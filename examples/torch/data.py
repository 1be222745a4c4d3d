"""Example inputs for the PyTorch examples, from the shared real data
(../shared/data beside the repository, or $FUSEFLOW_SHARED_DATA; see its
MANIFEST.md). Every function is deterministic in its arguments.
"""
import os
from collections import deque

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def shared_data():
    d = os.environ.get('FUSEFLOW_SHARED_DATA') or os.path.join(HERE, '..', '..', '..', 'shared', 'data')
    if not os.path.isdir(d):
        raise FileNotFoundError('shared data not found at %s (set FUSEFLOW_SHARED_DATA)' % d)
    return d


def cora(nodes, seed, with_ids=False):
    """A connected slice of the real Cora citation graph: `nodes` papers
    found breadth-first from a paper picked by `seed` (neighbours in paper
    order), with their 1433 binary word features and every citation among
    them, as in bench/apps/appdata.c (undirected, no self loops).

    Returns (features [nodes, 1433] float 0/1, adjacency [nodes, nodes]
    float 0/1 symmetric, labels [nodes] int), and with with_ids the papers'
    row numbers in the whole graph (int64 [nodes], as PyG's n_id) and the
    graph's size."""
    root = shared_data()
    ids, feats, labels = [], [], []
    with open(os.path.join(root, 'cora', 'cora.content')) as f:
        for line in f:
            parts = line.split()
            if parts:
                ids.append(parts[0])
                feats.append([int(x) for x in parts[1:-1]])
                labels.append(parts[-1])
    index = {p: i for i, p in enumerate(ids)}
    nbrs = [set() for _ in ids]
    with open(os.path.join(root, 'cora', 'cora.cites')) as f:
        for line in f:
            a, b = line.split()
            if a in index and b in index and a != b:
                nbrs[index[a]].add(index[b])
                nbrs[index[b]].add(index[a])
    rng = np.random.default_rng(seed)
    candidates = [i for i in range(len(ids)) if len(nbrs[i]) >= 3]
    start = candidates[int(rng.integers(len(candidates)))]
    order, seen, queue = [], {start}, deque([start])
    while queue and len(order) < nodes:
        u = queue.popleft()
        order.append(u)
        for w in sorted(nbrs[u]):
            if w not in seen:
                seen.add(w)
                queue.append(w)
    if len(order) < nodes:
        raise ValueError('the component of paper %s has only %d papers' % (ids[start], len(order)))
    pos = {u: k for k, u in enumerate(order)}
    adj = torch.zeros(nodes, nodes)
    for u in order:
        for w in nbrs[u]:
            if w in pos:
                adj[pos[u], pos[w]] = 1.0
    x = torch.tensor([feats[u] for u in order], dtype=torch.float32)
    classes = sorted(set(labels))
    y = torch.tensor([classes.index(labels[u]) for u in order])
    if with_ids:
        return x, adj, y, torch.tensor(order, dtype=torch.int64), len(ids)
    return x, adj, y


def mnist_images(rows, pixels=1024):
    """The first `rows` of the GraphChallenge sparse MNIST-derived images
    (pattern, 1024 pixels), as a dense float 0/1 tensor [rows, pixels]."""
    path = os.path.join(shared_data(), 'ml', 'graphchallenge_sparse-images-1024_subset.mtx')
    x = torch.zeros(rows, pixels)
    with open(path) as f:
        header = None
        for line in f:
            if line.startswith('%'):
                continue
            if header is None:
                header = [int(t) for t in line.split()]
                continue
            i, j = (int(t) - 1 for t in line.split()[:2])
            if i < rows and j < pixels:
                x[i, j] = 1.0
    return x


def bigbird_mask(seq, block, seed, window=1, random_blocks=2, global_blocks=2):
    """A BigBird block-sparse attention mask [seq, seq] (bool): in blocks of
    block x block, per block row the blocks within `window` of the diagonal,
    `random_blocks` random ones (seeded), and the first `global_blocks`
    block rows and columns (global tokens) -- the structure of
    `ff_appdata bigbird` (bench/apps/appdata.c)."""
    if seq % block:
        raise ValueError('seq %d is not a multiple of block %d' % (seq, block))
    nb = seq // block
    rng = np.random.default_rng(seed)
    on = np.zeros((nb, nb), dtype=bool)
    for r in range(nb):
        on[r, max(0, r - window):r + window + 1] = True
        on[r, rng.integers(nb, size=random_blocks)] = True
    on[:global_blocks, :] = True
    on[:, :global_blocks] = True
    return torch.from_numpy(np.kron(on, np.ones((block, block), dtype=bool)).astype(bool))
