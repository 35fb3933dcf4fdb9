#!/usr/bin/env python3
"""Writes a Llama-shaped bf16 model family for the merge benchmark: a base and fine-tunes
(base + small random perturbations), each a sharded Hugging Face checkpoint
(model-0000k-of-0000n.safetensors + model.safetensors.index.json + config.json).

Safetensors is written by hand (8-byte little-endian header length, JSON header, data), bf16
by rounding float32 to nearest even with integer ops, so only numpy is needed.

usage: make_family.py OUT_DIR [--layers 22] [--hidden 2048] [--intermediate 5632]
                              [--vocab 32000] [--kv-heads 4] [--heads 32] [--models 2] [--shards 2]
"""
import argparse
import json
import os
import struct

import numpy as np


def llama_tensors(layers, hidden, inter, vocab, heads, kv_heads):
    kv = hidden // heads * kv_heads
    out = [("model.embed_tokens.weight", (vocab, hidden))]
    for i in range(layers):
        p = f"model.layers.{i}."
        out += [
            (p + "input_layernorm.weight", (hidden,)),
            (p + "mlp.down_proj.weight", (hidden, inter)),
            (p + "mlp.gate_proj.weight", (inter, hidden)),
            (p + "mlp.up_proj.weight", (inter, hidden)),
            (p + "post_attention_layernorm.weight", (hidden,)),
            (p + "self_attn.k_proj.weight", (kv, hidden)),
            (p + "self_attn.o_proj.weight", (hidden, hidden)),
            (p + "self_attn.q_proj.weight", (hidden, hidden)),
            (p + "self_attn.v_proj.weight", (kv, hidden)),
        ]
    out += [("model.norm.weight", (hidden,)), ("lm_head.weight", (vocab, hidden))]
    return out


def to_bf16(x):
    """float32 array -> uint16 bf16 bits, round to nearest even (no NaN in our data)."""
    b = x.astype(np.float32).view(np.uint32)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


def write_shard(path, names, arrays, metadata):
    header, offset = {}, 0
    for n, a in zip(names, arrays):
        header[n] = {"dtype": "BF16", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for a in arrays:
            f.write(a.tobytes())
    os.replace(path + ".tmp", path)


def write_checkpoint(out, specs, make, shards, config):
    os.makedirs(out, exist_ok=True)
    total = sum(int(np.prod(s)) * 2 for _, s in specs)
    per = total / shards
    groups, cur, size = [], [], 0
    for spec in specs:
        cur.append(spec)
        size += int(np.prod(spec[1])) * 2
        if size >= per * (len(groups) + 1) and len(groups) < shards - 1:
            groups.append(cur)
            cur = []
    groups.append(cur)
    weight_map = {}
    for k, group in enumerate(groups):
        fname = f"model-{k + 1:05d}-of-{len(groups):05d}.safetensors"
        arrays = [make(n, s) for n, s in group]
        write_shard(os.path.join(out, fname), [n for n, _ in group], arrays, {"format": "pt"})
        for n, _ in group:
            weight_map[n] = fname
        del arrays
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=22)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--intermediate", type=int, default=5632)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--models", type=int, default=2)
    ap.add_argument("--shards", type=int, default=2)
    a = ap.parse_args()
    specs = llama_tensors(a.layers, a.hidden, a.intermediate, a.vocab, a.heads, a.kv_heads)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": a.hidden,
              "intermediate_size": a.intermediate, "num_hidden_layers": a.layers,
              "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads,
              "vocab_size": a.vocab, "torch_dtype": "bfloat16"}

    def base_values(name, shape):
        # deterministic per tensor, so fine-tunes can regenerate the base without keeping it
        rng = np.random.default_rng(_seed(name))
        if len(shape) == 1:
            return np.ones(shape, np.float32) + 0.01 * rng.standard_normal(shape, np.float32)
        return 0.02 * rng.standard_normal(shape, np.float32)

    write_checkpoint(os.path.join(a.out, "base"), specs,
                     lambda n, s: to_bf16(base_values(n, s)), a.shards, config)
    for m in range(1, a.models + 1):
        def fine(n, s, m=m):
            rng = np.random.default_rng(_seed(n) + 7919 * m)
            x = base_values(n, s)
            x += 0.002 * rng.standard_normal(s, np.float32)
            return to_bf16(x)
        write_checkpoint(os.path.join(a.out, f"ft{m}"), specs, fine, a.shards, config)


def _seed(name):
    h = 1469598103934665603
    for c in name.encode():
        h = ((h ^ c) * 1099511628211) % (2**64)
    return h % (2**32)


if __name__ == "__main__":
    main()
