"""LeNet-300-100, the classic pruning benchmark, pruned the way the PyTorch
pruning tutorial does it: torch.nn.utils.prune.l1_unstructured on every
linear layer's weight, which leaves weight_orig (a parameter) and
weight_mask (a 0/1 buffer) and a hook computing weight = weight_orig *
weight_mask before each forward. The network is the ordinary nn.Sequential;
nothing in its code knows it is sparse.

The exporter reads a pruned weight as weight_orig * weight_mask with the
mask stored csr (docs/torch.md, Declaring sparsity), so fuseflow stores and
multiplies only the kept weights; the images are declared csr too.

    PYTHONPATH=compiler/torch /usr/bin/python3 -m fuseflow_torch export \
        examples/torch/pruned_mlp.py --seed 5 --size batch=64 --out out/torch/pruned_mlp
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune

import data


class LeNet300100(nn.Module):
    def __init__(self, inputs=1024, hidden=(300, 100), classes=10):
        super().__init__()
        self.fc1 = nn.Linear(inputs, hidden[0])
        self.fc2 = nn.Linear(hidden[0], hidden[1])
        self.fc3 = nn.Linear(hidden[1], classes)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return F.log_softmax(self.fc3(x), dim=1)


def example(seed=0, batch=8, amount=0.9):
    """The first `batch` sparse MNIST-derived images (1024 pixels), weights from
    `seed`, each layer's weights pruned to the (1 - amount) largest in
    magnitude (the last layer half as much, as pruning papers do)."""
    x = data.mnist_images(batch)                                  # [batch, 1024], flattened as loaders give them
    torch.manual_seed(seed)
    model = LeNet300100()
    for layer, a in ((model.fc1, amount), (model.fc2, amount), (model.fc3, amount / 2)):
        prune.l1_unstructured(layer, name='weight', amount=a)
    return {'module': model.eval(), 'inputs': (x,), 'sparse': {'x': 'csr'}}
