"""nanoGPT's transformer block (Karpathy's model.py, GPT-2 style) as its
community writes it: one fused `c_attn` projection split into q, k, v with
`.split(self.n_embd, dim=2)`, heads by view/transpose, the causal mask a
`tril` buffer of the model's block_size sliced to the sequence with
`self.bias[:, :, :T, :T]`, pre-layernorm residuals and a GELU MLP.

The exporter reads every part through a window (docs/torch.md, Windows):
q, k and v are windows of the one stored c_attn result (its 3C columns
split as 3*n_head heads of head_dim, q the first n_head heads, k the next,
v the last), and the mask is the window [:T, :T] of the causal buffer,
declared csr, so the scores are computed only on and below the diagonal
and the softmax runs over those. Nothing is copied.

    PYTHONPATH=compiler/torch /usr/bin/python3 -m fuseflow_torch export \\
        examples/torch/nanogpt.py --seed 6 --size seq=128 --size n_embd=128 \\
        --size n_head=4 --size block_size=256 --out out/torch/nanogpt
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GPTConfig:
    block_size: int = 64
    n_embd: int = 32
    n_head: int = 4
    dropout: float = 0.1
    bias: bool = True


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        # key, query, value projections for all heads, but in a batch
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        # causal mask to ensure that attention is only applied to the left in the input sequence
        self.register_buffer("bias", torch.tril(torch.ones(config.block_size, config.block_size))
                             .view(1, 1, config.block_size, config.block_size))

    def forward(self, x):
        B, T, C = x.size()  # batch size, sequence length, embedding dimensionality (n_embd)
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        att = self.attn_dropout(att)
        y = att @ v  # (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble all head outputs side by side
        y = self.resid_dropout(self.c_proj(y))
        return y


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        x = self.c_fc(x)
        x = self.gelu(x)
        x = self.c_proj(x)
        x = self.dropout(x)
        return x


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


def example(seed=0, batch=2, seq=16, n_embd=32, n_head=4, block_size=32):
    """`batch` sequences of `seq` random embeddings through one Block whose
    causal buffer is block_size x block_size (sliced to seq by the model);
    weights from `seed`, the layernorms perturbed from the identity."""
    torch.manual_seed(seed)
    model = Block(GPTConfig(block_size=block_size, n_embd=n_embd, n_head=n_head)).eval()
    with torch.no_grad():
        for ln in (model.ln_1, model.ln_2):
            ln.weight.add_(0.1 * torch.randn(n_embd))
            ln.bias.add_(0.1 * torch.randn(n_embd))
    x = torch.randn(batch, seq, n_embd)
    return {'module': model, 'inputs': (x,), 'sparse': {'attn.bias': 'csr'}}
