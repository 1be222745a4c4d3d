#!/usr/bin/python3
"""train_gnn.py -- trains the two-layer GCN of bench/apps/gcn.ff on real Cora
and writes it the way `fuseflow sweep` takes a model choice (docs/sweep.md,
"Model choices"):

    scripts/train_gnn.py --hidden H --density D [--seed S] [--dataset cora]
                         [--data SHARED_DATA] [--cache DIR] [--epochs E] [--finetune E2]

SHARED_DATA defaults to $FUSEFLOW_SHARED_DATA, else ../shared/data beside
the repository (as examples/torch/data.py).

The data are exactly what `ff_appdata graph cora` writes (bench/apps/appdata.c):
nodes in cora.content order, the 1433 binary word features as they are (not
row-normalised: gcn.ff reads X as it is), every citation as one undirected
edge, self loops added, and Ahat = D^-1/2 (A + I) D^-1/2 -- which gcn.ff
computes from AI itself, so the model trained here is the one it runs.
Classes are numbered in sorted order of their names.

Split: pygcn's, by node index -- train 0..139, validation 200..499, test
500..1499 (140 / 300 / 1000 nodes).

Training: pygcn's recipe -- Adam, lr 0.01, weight decay 5e-4, dropout 0.5,
cross-entropy on the training nodes -- for E epochs (default 200), dense.
Then magnitude pruning: W1 and W2, each on its own, keep the round(D x size)
entries of largest |w| (ties: the lower flat index) and the rest become 0;
then E2 more epochs (default 100) with that mask held (masked gradients and
weights are zeroed every step). D = 1 keeps every weight and still runs the
E2 epochs, so every density has the same training budget. Biases are not
pruned. The reported accuracies are of the last epoch (no early stopping).

Determinism: one thread, torch.manual_seed(S), deterministic algorithms,
no timestamps: the same arguments give the same bytes.

Output: DIR/gcn-DATASET-hH-dD-sS-eE-fE2/ (DIR: --cache, default out/models),
written under a temporary name and renamed when whole; an existing one is
reused, not retrained (each model choice is trained once). Runs of the same
arguments at once (array tasks of one choice) each train, and the first
whole one is kept:
  W1.mtx [F, H], b1.mtx [H], W2.mtx [H, C], b2.mtx [C]   Matrix Market; only
      the non-zero Q15.16 words, written as their exact decimals (what
      fuseflow reads back bit for bit: docs/fixed-point.md)
  labels.txt      one class number per node, in node order
  test_nodes.txt  the test nodes' numbers, one per line
  model.json      what `fuseflow sweep` reads: dims, tensors, output, labels,
                  test nodes, the float test accuracy; under "info", the
                  rest (train/val accuracy, the float accuracy with Q15.16
                  weights, what rounding did to each tensor)
The last line on standard output is the path of model.json.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np

# torch and fuseflow_torch are imported by main() once it is to train: a
# cached choice is found without them (a second of a core per run -- every
# Slurm array task of a model space runs this)
torch = F = fixed = None

HERE = os.path.dirname(os.path.abspath(__file__))

TRAIN, VAL, TEST = range(0, 140), range(200, 500), range(500, 1500)


def fail(msg):
    print('train_gnn: %s' % msg, file=sys.stderr)
    sys.exit(1)


def load_cora(root):
    """(X [N, F] 0/1, edges as (a, b) index pairs, undirected, no self loops,
    labels [N], class names), as ff_appdata graph cora builds them."""
    ids, feats, names = {}, [], []
    path = os.path.join(root, 'cora', 'cora.content')
    try:
        with open(path) as f:
            for lineno, line in enumerate(f, 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 1433 + 2:
                    fail('%s:%d: expected a paper id, 1433 features and a label' % (path, lineno))
                if parts[0] not in ids:   # first seen, as appdata.c's id map
                    ids[parts[0]] = len(ids)
                    feats.append([int(x) for x in parts[1:-1]])
                    names.append(parts[-1])
        edges = set()
        with open(os.path.join(root, 'cora', 'cora.cites')) as f:
            for line in f:
                p = line.split()
                if len(p) < 2 or p[0] not in ids or p[1] not in ids:
                    continue
                a, b = ids[p[0]], ids[p[1]]
                if a != b:
                    edges.add((a, b))
                    edges.add((b, a))
    except OSError as e:
        fail('%s (give --data SHARED_DATA)' % e)
    classes = sorted(set(names))
    y = np.array([classes.index(n) for n in names], dtype=np.int64)
    return np.array(feats, dtype=np.float32), sorted(edges), y, classes


def normalized_adjacency(n, edges):
    """D^-1/2 (A + I) D^-1/2, sparse, as gcn.ff computes it from AI."""
    rows = np.array([a for a, _ in edges] + list(range(n)), dtype=np.int64)
    cols = np.array([b for _, b in edges] + list(range(n)), dtype=np.int64)
    deg = np.bincount(rows, minlength=n).astype(np.float64)
    dinv = deg ** -0.5
    vals = (dinv[rows] * dinv[cols]).astype(np.float32)
    return torch.sparse_coo_tensor(torch.from_numpy(np.stack([rows, cols])), torch.from_numpy(vals), (n, n)).coalesce()


def top_mask(w, density):
    """1 at the round(density x size) entries of largest |w| (ties: the lower
    flat index), else 0."""
    flat = w.detach().abs().reshape(-1).numpy().astype(np.float64)
    k = max(1, int(round(density * flat.size)))
    order = np.lexsort((np.arange(flat.size), -flat))   # by -|w|, then index
    m = np.zeros(flat.size, dtype=np.float32)
    m[order[:k]] = 1.0
    return torch.from_numpy(m.reshape(tuple(w.shape)))


def write_mtx(path, name, w):
    """The non-zero Q15.16 words of w as exact decimals; returns (entries
    written, non-zero weights that rounded to 0, largest rounding error)."""
    a = w.detach().numpy().astype(np.float64)
    words = fixed.words(a)
    lost = int(np.count_nonzero((a != 0) & (words == 0)))
    err = float(np.max(np.abs(fixed.value(words) - a))) if a.size else 0.0
    nz = np.argwhere(words != 0)
    with open(path, 'w') as f:
        f.write('%%MatrixMarket matrix coordinate real general\n')
        f.write('%% %s, trained by scripts/train_gnn.py, rounded to Q15.16\n' % name)
        f.write('%s %d\n' % (' '.join(str(d) for d in a.shape), len(nz)))
        for p in nz:
            f.write('%s %s\n' % (' '.join(str(int(c) + 1) for c in p), fixed.text(words[tuple(p)])))
    return len(nz), lost, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dataset', default='cora')
    ap.add_argument('--data', default=os.environ.get('FUSEFLOW_SHARED_DATA') or
                    os.path.join(HERE, '..', '..', 'shared', 'data'))
    ap.add_argument('--hidden', type=int, required=True)
    ap.add_argument('--density', type=float, required=True, help='weight density after pruning, (0, 1]')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--epochs', type=int, default=200)
    ap.add_argument('--finetune', type=int, default=100)
    ap.add_argument('--cache', default=os.path.join(HERE, '..', 'out', 'models'))
    a = ap.parse_args()
    if a.dataset != 'cora':
        fail('--dataset %s: only cora has labels and features in the shared data '
             '(citeseer ships only its citations)' % a.dataset)
    if not 0 < a.density <= 1 or a.hidden < 1 or a.epochs < 0 or a.finetune < 0:
        fail('--density must be in (0, 1], --hidden >= 1, --epochs and --finetune >= 0')
    tag = 'gcn-%s-h%d-d%s-s%d-e%d-f%d' % (a.dataset, a.hidden, repr(a.density), a.seed, a.epochs, a.finetune)
    out = os.path.join(a.cache, tag)
    manifest = os.path.join(out, 'model.json')
    if os.path.exists(manifest):
        print(manifest)
        return

    global torch, F, fixed
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(HERE, '..', 'compiler', 'torch'))
    from fuseflow_torch import fixed  # (Q15.16 rounding and exact decimals)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(a.seed)
    x_np, edges, y_np, classes = load_cora(a.data)
    n, nfeat, ncls = x_np.shape[0], x_np.shape[1], len(classes)
    if n < TEST[-1] + 1:
        fail('%d nodes, fewer than the split needs' % n)
    x = torch.from_numpy(x_np).to_sparse()
    adj = normalized_adjacency(n, edges)
    y = torch.from_numpy(y_np)
    train, val, test = (torch.tensor(list(r)) for r in (TRAIN, VAL, TEST))

    def uniform(*shape, fan):
        s = 1.0 / fan ** 0.5   # pygcn: 1/sqrt(out_features)
        return torch.nn.Parameter(torch.empty(*shape).uniform_(-s, s))
    w1, b1 = uniform(nfeat, a.hidden, fan=a.hidden), uniform(a.hidden, fan=a.hidden)
    w2, b2 = uniform(a.hidden, ncls, fan=ncls), uniform(ncls, fan=ncls)
    params = [w1, b1, w2, b2]

    def forward(training):
        h = F.relu(torch.sparse.mm(adj, torch.sparse.mm(x, w1)) + b1)
        h = F.dropout(h, 0.5, training=training)
        return torch.sparse.mm(adj, h @ w2) + b2

    def fit(epochs, masks):
        opt = torch.optim.Adam(params, lr=0.01, weight_decay=5e-4)
        for _ in range(epochs):
            opt.zero_grad()
            loss = F.cross_entropy(forward(True)[train], y[train])
            loss.backward()
            for w, m in masks:
                w.grad.mul_(m)
            opt.step()
            with torch.no_grad():
                for w, m in masks:
                    w.mul_(m)
        return float(loss) if epochs else float('nan')

    fit(a.epochs, [])
    masks = [(w1, top_mask(w1, a.density)), (w2, top_mask(w2, a.density))]
    with torch.no_grad():
        for w, m in masks:
            w.mul_(m)
    loss = fit(a.finetune, masks)
    with torch.no_grad():
        z = forward(False)
        pred = z.argmax(1)

    def acc(idx):
        return float((pred[idx] == y[idx]).double().mean())
    # the same network in float64 with every weight rounded to Q15.16: how
    # much of a fixed-point loss is the weights' rounding alone
    with torch.no_grad():
        q = [torch.from_numpy(fixed.quantize(p.detach().numpy().astype(np.float64))) for p in params]
        adj64, x64 = adj.double(), x.double()
        h = F.relu(torch.sparse.mm(adj64, torch.sparse.mm(x64, q[0])) + q[1])
        zq = torch.sparse.mm(adj64, h @ q[2]) + q[3]
        acc_q = float((zq.argmax(1)[test] == y[test]).double().mean())

    os.makedirs(a.cache, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='.%s.tmp-' % tag, dir=a.cache)
    try:
        rounding = {}
        for name, p in zip(('W1', 'b1', 'W2', 'b2'), params):
            nnz, lost, err = write_mtx(os.path.join(tmp, name + '.mtx'), name, p)
            rounding[name] = {'size': p.numel(), 'nonzero_words': nnz, 'nonzero_rounded_to_0': lost,
                              'max_rounding_error': err}
            if lost:
                print('train_gnn: %s: %d non-zero weights round to 0 in Q15.16 (|w| < 2^-17); '
                      'they are absent from %s.mtx' % (name, lost, name), file=sys.stderr)
        with open(os.path.join(tmp, 'labels.txt'), 'w') as f:
            f.write(''.join('%d\n' % c for c in y_np))
        with open(os.path.join(tmp, 'test_nodes.txt'), 'w') as f:
            f.write(''.join('%d\n' % i for i in TEST))
        desc = {
            'fuseflow': 'trained-model', 'version': 1,
            'dims': {'N': n, 'F': nfeat, 'H': a.hidden, 'C': ncls},
            'tensors': {'W1': 'W1.mtx', 'b1': 'b1.mtx', 'W2': 'W2.mtx', 'b2': 'b2.mtx'},
            'output': 'P', 'labels': 'labels.txt', 'test_nodes': 'test_nodes.txt',
            'accuracy_float': acc(test),
            'info': {
                'accuracy_float_q16_weights': acc_q,
                'accuracy_train': acc(train), 'accuracy_val': acc(val), 'final_loss': loss,
                'classes': classes,
                'args': {'dataset': a.dataset, 'hidden': a.hidden, 'density': a.density, 'seed': a.seed,
                         'epochs': a.epochs, 'finetune': a.finetune},
                'split': 'pygcn by index: train 0..139, val 200..499, test 500..1499',
                'pruning': 'magnitude, per tensor (W1, W2), after the dense epochs, then fine-tuned with the mask',
                'rounding': rounding,
            },
        }
        with open(os.path.join(tmp, 'model.json'), 'w') as f:
            json.dump(desc, f, indent=1, sort_keys=True)
            f.write('\n')
        os.chmod(tmp, 0o755)
        try:
            os.rename(tmp, out)
        except OSError:
            # another run of the same arguments (a Slurm array task of the
            # same choice, a second sweep) renamed its copy first: the same
            # bytes (see Determinism), so keep that one
            if not os.path.exists(manifest):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print('gcn %s H=%d density=%s seed=%d: test accuracy %.4f (float), %.4f (float, Q15.16 weights), '
          'val %.4f, train %.4f' % (a.dataset, a.hidden, a.density, a.seed, acc(test), acc_q, acc(val), acc(train)))
    print(manifest)


if __name__ == '__main__':
    main()
