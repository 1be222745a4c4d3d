"""A GPT-style decoder block (pre-layernorm, residual connections, a
tanh-GELU MLP, as in GPT-2/nanoGPT) whose self-attention is BigBird
block-sparse: each token attends to the blocks of a block-sparse mask -- a
window around its own block, a few random blocks, and global blocks -- by
masked_fill(~mask, -inf) before the softmax, the usual PyTorch idiom.

The mask is a bool buffer declared bcsr(BLOCK): fuseflow computes the
scores only inside the mask's blocks (a sampled product, not the dense
S x S one PyTorch computes) and the softmax over those entries only.

    PYTHONPATH=compiler/torch /usr/bin/python3 -m fuseflow_torch export \
        examples/torch/bigbird.py --seed 4 --out out/torch/bigbird
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import data


class BlockSparseSelfAttention(nn.Module):
    def __init__(self, d_model, n_head, mask, dropout=0.1):
        super().__init__()
        assert d_model % n_head == 0
        self.n_head = n_head
        self.head_dim = d_model // n_head
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.attn_drop = nn.Dropout(dropout)
        self.register_buffer('mask', mask)

    def forward(self, x):
        B, T, C = x.size()
        q = self.query(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)   # B, H, T, D
        k = self.key(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        v = self.value(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(~self.mask, float('-inf'))
        att = F.softmax(att, dim=-1)
        att = self.attn_drop(att)
        y = att @ v                                                              # B, H, T, D
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y)


class MLP(nn.Module):
    def __init__(self, d_model, dropout=0.1):
        super().__init__()
        self.fc = nn.Linear(d_model, 4 * d_model)
        self.act = nn.GELU(approximate='tanh')
        self.out = nn.Linear(4 * d_model, d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(self.out(self.act(self.fc(x))))


class DecoderBlock(nn.Module):
    def __init__(self, d_model, n_head, mask):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = BlockSparseSelfAttention(d_model, n_head, mask)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = MLP(d_model)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


def example(seed=0, batch=2, seq=32, block=4, d_model=32, n_head=4):
    """A batch of `batch` sequences of `seq` random token embeddings, the
    BigBird mask in `block` x `block` blocks; weights from `seed`, the
    layernorm gains and biases perturbed so they are not the identity."""
    mask = data.bigbird_mask(seq, block, seed)
    torch.manual_seed(seed)
    model = DecoderBlock(d_model, n_head, mask).eval()
    with torch.no_grad():
        for ln in (model.ln_1, model.ln_2):
            ln.weight.add_(0.1 * torch.randn(d_model))
            ln.bias.add_(0.1 * torch.randn(d_model))
    x = torch.randn(batch, seq, d_model)
    return {'module': model, 'inputs': (x,), 'sparse': {'attn.mask': 'bcsr(%d)' % block}}
