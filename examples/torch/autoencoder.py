"""A sparse autoencoder: encoder and decoder are pruned linear layers --
dense weights times a fixed 0/1 mask buffer, the way magnitude or random
pruning is usually written in PyTorch -- on sparse MNIST-derived images
from the GraphChallenge set. The masks and the images are declared csr,
so fuseflow stores only the kept weights and the lit pixels.

    PYTHONPATH=compiler/torch /usr/bin/python3 -m fuseflow_torch export \
        examples/torch/autoencoder.py --seed 3 --out out/torch/autoencoder
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import data


class PrunedLinear(nn.Linear):
    """nn.Linear whose weight is multiplied by a fixed 0/1 mask."""

    def __init__(self, in_features, out_features, density, generator):
        super().__init__(in_features, out_features)
        keep = torch.rand(out_features, in_features, generator=generator) < density
        self.register_buffer('mask', keep.float())

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


class SparseAutoencoder(nn.Module):
    def __init__(self, pixels, code, density, generator):
        super().__init__()
        self.encoder = PrunedLinear(pixels, code, density, generator)
        self.decoder = PrunedLinear(code, pixels, density, generator)

    def forward(self, x):
        h = F.relu(self.encoder(x))
        return torch.sigmoid(self.decoder(h))


def example(seed=0, batch=8, pixels=1024, code=64, density=0.1):
    """A batch of the first `batch` images (`pixels` of their 1024 pixels),
    code size `code`, weights kept with probability `density`."""
    x = data.mnist_images(batch)[:, :pixels]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = SparseAutoencoder(pixels, code, density, gen).eval()
    sparse = {'x': 'csr', 'encoder.mask': 'csr', 'decoder.mask': 'csr'}
    return {'module': model, 'inputs': (x,), 'sparse': sparse}
