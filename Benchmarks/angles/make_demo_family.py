#!/usr/bin/env python3
"""Writes a small synthetic bf16 family for the `mergetool angles` demo: an init and M
fine-tunes, each one single .safetensors file, Llama-shaped and small (~27 MB per model).

Each fine-tune's task vector in block l is
    delta_m = s_l * r_m * (rho_l * shared + sqrt(1 - rho_l^2) * own_m),
with `shared` and `own_m` independent Gaussians, so cos(delta_i, delta_j) ~ rho_l^2: near
orthogonal (Omega between ~84 and 90 degrees, as in the WARP paper's Figure 11(a)), norms
alike up to a few percent (Assumption 1), and full weights nearly collinear (omega ~ 2-4 deg;
task vectors are ~3% of the weights so that bf16 rounding does not swamp them).

Safetensors is written by hand (8-byte little-endian header length, JSON header, data); bf16
by rounding float32 to nearest even with integer ops, so only numpy is needed.

usage: make_demo_family.py OUT_DIR [--models 3] [--layers 16] [--hidden 256] [--seed 0]
writes OUT_DIR/init.safetensors and OUT_DIR/ft1.safetensors ... ftM.safetensors
"""
import argparse
import json
import os
import struct

import numpy as np


def tensors(layers, hidden, inter, vocab):
    out = [("model.embed_tokens.weight", (vocab, hidden))]
    for i in range(layers):
        p = f"model.layers.{i}."
        out += [
            (p + "input_layernorm.weight", (hidden,)),
            (p + "self_attn.q_proj.weight", (hidden, hidden)),
            (p + "self_attn.k_proj.weight", (hidden, hidden)),
            (p + "self_attn.v_proj.weight", (hidden, hidden)),
            (p + "self_attn.o_proj.weight", (hidden, hidden)),
            (p + "post_attention_layernorm.weight", (hidden,)),
            (p + "mlp.gate_proj.weight", (inter, hidden)),
            (p + "mlp.up_proj.weight", (inter, hidden)),
            (p + "mlp.down_proj.weight", (hidden, inter)),
        ]
    out += [("model.norm.weight", (hidden,)), ("lm_head.weight", (vocab, hidden))]
    return out


def to_bf16(x):
    """float32 array -> uint16 bf16 bits, round to nearest even (no NaN in our data)."""
    b = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


def write(path, named_arrays):
    header, offset = {}, 0
    for name, a in named_arrays:
        header[name] = {"dtype": "BF16", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for _, a in named_arrays:
            f.write(a.tobytes())
    os.replace(path + ".tmp", path)


def block_of(name):
    parts = name.split(".")
    return int(parts[2]) if len(parts) > 3 and parts[1] == "layers" else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--models", type=int, default=3)
    ap.add_argument("--layers", type=int, default=16)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    specs = tensors(a.layers, a.hidden, a.hidden * 11 // 4, 2000)
    rng = np.random.default_rng(a.seed)
    rho = rng.uniform(0.0, 0.3, a.layers + 1)        # per block; last entry for non-block tensors
    scale = 0.03 * (1 + 0.5 * rng.random(a.layers + 1))  # task vector / weight size, per block
    ratio = 1 + 0.04 * rng.standard_normal(a.models)  # per model: norms alike within a few %
    init, models = [], [[] for _ in range(a.models)]
    for name, shape in specs:
        size = 1.0 if len(shape) == 1 else 0.02  # typical magnitude of the tensor's weights
        if len(shape) == 1:
            theta = 1 + 0.05 * rng.standard_normal(shape).astype(np.float32)
        else:
            theta = (size * rng.standard_normal(shape)).astype(np.float32)
        b = block_of(name)
        l = a.layers if b is None else b
        shared = rng.standard_normal(shape).astype(np.float32)
        init.append((name, to_bf16(theta)))
        for m in range(a.models):
            own = rng.standard_normal(shape).astype(np.float32)
            delta = size * scale[l] * ratio[m] * (rho[l] * shared + np.sqrt(1 - rho[l] ** 2) * own)
            models[m].append((name, to_bf16(theta + delta)))
    os.makedirs(a.out, exist_ok=True)
    write(os.path.join(a.out, "init.safetensors"), init)
    for m in range(a.models):
        write(os.path.join(a.out, f"ft{m + 1}.safetensors"), models[m])


if __name__ == "__main__":
    main()
