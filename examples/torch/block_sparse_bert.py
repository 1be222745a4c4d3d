"""A BERT encoder layer (Hugging Face's BertLayer: self-attention with
transpose_for_scores, dense + dropout + LayerNorm on the residual, a GELU
intermediate, dense + dropout + LayerNorm again) whose attention is block
sparse the way DeepSpeed's sparse attention describes it: an integer block
layout [blocks, blocks] -- a sliding window, global blocks and random ones,
as BigBirdSparsityConfig.make_layout builds it -- expanded to a token mask
in the forward with repeat_interleave, then masked_fill(mask == 0, -inf)
before the softmax.

The layout is the only thing the model holds; the exporter reads
layout.repeat_interleave(B, 0).repeat_interleave(B, 1) as the layout
stored bcsr(B) (docs/torch.md, Block layouts): one stored B x B block per
layout entry, never the dense token mask. fuseflow computes the scores only
inside those blocks and the softmax over them.

    PYTHONPATH=compiler/torch /usr/bin/python3 -m fuseflow_torch export \
        examples/torch/block_sparse_bert.py --seed 2 --size seq=256 --size block=16 \
        --size hidden=128 --size heads=4 --out out/torch/block_sparse_bert
"""
import math

import numpy as np
import torch
import torch.nn as nn


def make_layout(num_blocks, num_sliding_window_blocks=3, num_global_blocks=1, num_random_blocks=1, seed=0):
    """A BigBird block layout (int64, 1 = attend), as DeepSpeed's
    BigBirdSparsityConfig.make_layout for one head: random blocks per block
    row (seeded), a sliding window around the diagonal, and global blocks
    (the first rows and columns)."""
    rng = np.random.default_rng(seed)
    layout = torch.zeros(num_blocks, num_blocks, dtype=torch.int64)
    for row in range(num_blocks):
        layout[row, torch.from_numpy(rng.choice(num_blocks, num_random_blocks, replace=False))] = 1
    w = num_sliding_window_blocks // 2
    for row in range(num_blocks):
        layout[row, max(0, row - w):min(row + w + 1, num_blocks)] = 1
    layout[:num_global_blocks, :] = 1
    layout[:, :num_global_blocks] = 1
    return layout


class BlockSparseSelfAttention(nn.Module):
    def __init__(self, hidden_size, num_attention_heads, layout, block, dropout=0.1):
        super().__init__()
        self.num_attention_heads = num_attention_heads
        self.attention_head_size = hidden_size // num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(hidden_size, self.all_head_size)
        self.key = nn.Linear(hidden_size, self.all_head_size)
        self.value = nn.Linear(hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(dropout)
        self.block = block
        self.register_buffer('layout', layout)

    def transpose_for_scores(self, x):
        new_x_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        x = x.view(new_x_shape)
        return x.permute(0, 2, 1, 3)

    def forward(self, hidden_states):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        mask = self.layout.repeat_interleave(self.block, dim=0).repeat_interleave(self.block, dim=1)
        attention_scores = attention_scores.masked_fill(mask == 0, float('-inf'))
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)
        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        new_context_layer_shape = context_layer.size()[:-2] + (self.all_head_size,)
        return context_layer.view(new_context_layer_shape)


class BertOutput(nn.Module):
    """Hugging Face's BertSelfOutput (in_size = hidden) and BertOutput
    (in_size = intermediate): dense, dropout, LayerNorm of the residual sum."""

    def __init__(self, in_size, hidden_size, dropout=0.1, eps=1e-12):
        super().__init__()
        self.dense = nn.Linear(in_size, hidden_size)
        self.LayerNorm = nn.LayerNorm(hidden_size, eps=eps)
        self.dropout = nn.Dropout(dropout)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, hidden_size, num_attention_heads, intermediate_size, layout, block):
        super().__init__()
        self.attention = BlockSparseSelfAttention(hidden_size, num_attention_heads, layout, block)
        self.attention_output = BertOutput(hidden_size, hidden_size)
        self.intermediate = nn.Linear(hidden_size, intermediate_size)
        self.intermediate_act_fn = nn.GELU()
        self.output = BertOutput(intermediate_size, hidden_size)

    def forward(self, hidden_states):
        attention_output = self.attention_output(self.attention(hidden_states), hidden_states)
        intermediate_output = self.intermediate_act_fn(self.intermediate(attention_output))
        return self.output(intermediate_output, attention_output)


def example(seed=0, batch=2, seq=32, block=4, hidden=32, heads=2):
    """`batch` sequences of `seq` random token embeddings (scaled like BERT's
    embedding LayerNorm output), a BigBird layout of seq/block blocks from
    `seed`, weights from `seed` with BERT's N(0, 0.02) initialisation made
    five times larger so the attention is not uniform, LayerNorm gains and
    biases perturbed so they are not the identity."""
    if seq % block:
        raise ValueError('seq %d is not a multiple of block %d' % (seq, block))
    layout = make_layout(seq // block, seed=seed)
    torch.manual_seed(seed)
    model = BertLayer(hidden, heads, 4 * hidden, layout, block)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.normal_(0.0, 0.1)
                m.bias.normal_(0.0, 0.1)
            elif isinstance(m, nn.LayerNorm):
                m.weight.add_(0.1 * torch.randn(hidden))
                m.bias.add_(0.1 * torch.randn(hidden))
    x = torch.randn(batch, seq, hidden, generator=torch.Generator().manual_seed(seed))
    return {'module': model.eval(), 'inputs': (x,)}
