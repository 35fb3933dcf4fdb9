#!/usr/bin/env python3
"""Writes a Llama-shaped bf16 model family for the merge benchmark: a base and fine-tunes
(base + small random perturbations), each a sharded Hugging Face checkpoint
(model-0000k-of-0000n.safetensors + model.safetensors.index.json + config.json).

Safetensors is written by hand (8-byte little-endian header length, JSON header, data), bf16
by rounding float32 to nearest even with integer ops, so only numpy is needed.

usage: make_family.py OUT_DIR [--layers 22] [--hidden 2048] [--intermediate 5632]
                              [--vocab 32000] [--kv-heads 4] [--heads 32] [--models 2] [--shards 2]
                              [--cheap-noise]

--cheap-noise (for many fine-tunes): each fine-tune is the base's bf16 bits plus an independent
random integer in [-4, 4] (a few units in the last place, i.e. relative noise ~1e-2, nearly
orthogonal task vectors); the base is read back from OUT_DIR/base when it is already there. One
byte of randomness per element instead of two float normal fills: several times faster.
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
    ap.add_argument("--cheap-noise", action="store_true")
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

    base_dir = os.path.join(a.out, "base")
    if not (a.cheap_noise and os.path.exists(os.path.join(base_dir, "config.json"))):
        write_checkpoint(base_dir, specs, lambda n, s: to_bf16(base_values(n, s)), a.shards,
                         config)
    if a.cheap_noise:
        base = read_checkpoint(base_dir)
        for m in range(1, a.models + 1):
            def fine(n, s, m=m):
                rng = np.random.default_rng(_seed(n) + 7919 * m)
                step = rng.integers(-4, 5, size=s, dtype=np.int8)
                b = base[n]
                step[(b & 0x7FFF) < 0x0100] = 0  # zeros and tiny values: no sign flips or NaN
                return (b.astype(np.int32) + step).astype(np.uint16)
            out = os.path.join(a.out, f"ft{m}")
            if not os.path.exists(os.path.join(out, "config.json")):
                write_checkpoint(out, specs, fine, a.shards, config)
        return
    for m in range(1, a.models + 1):
        def fine(n, s, m=m):
            rng = np.random.default_rng(_seed(n) + 7919 * m)
            x = base_values(n, s)
            x += 0.002 * rng.standard_normal(s, np.float32)
            return to_bf16(x)
        write_checkpoint(os.path.join(a.out, f"ft{m}"), specs, fine, a.shards, config)


def read_checkpoint(path):
    """name -> uint16 bf16 bits (shape kept) of every tensor of a checkpoint directory."""
    out = {}
    for f in sorted(os.listdir(path)):
        if not f.endswith(".safetensors"):
            continue
        with open(os.path.join(path, f), "rb") as fh:
            n = struct.unpack("<Q", fh.read(8))[0]
            header = json.loads(fh.read(n))
            data = np.fromfile(fh, dtype=np.uint16)
        for name, e in header.items():
            if name == "__metadata__":
                continue
            a, b = e["data_offsets"]
            out[name] = data[a // 2:b // 2].reshape(e["shape"])
    return out


def _seed(name):
    h = 1469598103934665603
    for c in name.encode():
        h = ((h ^ c) * 1099511628211) % (2**64)
    return h % (2**32)


if __name__ == "__main__":
    main()
