#!/usr/bin/env python3
"""Writes a bf16 Hugging Face style sharded checkpoint for the convert benchmark.

usage: make_checkpoint.py OUT_DIR [--gib 2.25] [--shard-gib 1.0]

Tensors are 4096x4096 bf16 (32 MiB each) plus a few small ones, random bits with NaN/Inf
patterns cleared; shards named model-0000k-of-0000N.safetensors with
model.safetensors.index.json (metadata.total_size, weight_map) and a config.json.
The safetensors layout is written by hand: 8-byte little-endian header length, JSON header
padded with spaces to a multiple of 8, then the tensor bytes back to back.
"""
import argparse, json, os, struct
import numpy as np

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--gib", type=float, default=2.25)
    ap.add_argument("--shard-gib", type=float, default=1.0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    big = 4096 * 4096 * 2
    n_big = max(1, int(a.gib * 2**30) // big)
    tensors = []
    for layer in range(n_big):
        tensors.append((f"model.layers.{layer}.mlp.weight", [4096, 4096]))
        tensors.append((f"model.layers.{layer}.norm.weight", [4096]))
    tensors.append(("model.norm.weight", [4096]))
    limit = int(a.shard_gib * 2**30)
    shards, cur, size = [], [], 0
    for t in tensors:
        b = int(np.prod(t[1])) * 2
        if cur and size + b > limit:
            shards.append(cur); cur, size = [], 0
        cur.append(t); size += b
    shards.append(cur)
    rng = np.random.default_rng(0)
    weight_map, total = {}, 0
    for k, shard in enumerate(shards):
        name = f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors"
        header, off = {"__metadata__": {"format": "pt"}}, 0
        for tname, shape in shard:
            b = int(np.prod(shape)) * 2
            header[tname] = {"dtype": "BF16", "shape": shape, "data_offsets": [off, off + b]}
            off += b; weight_map[tname] = name
        total += off
        hb = json.dumps(header, separators=(",", ":")).encode()
        hb += b" " * ((8 - len(hb) % 8) % 8)
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(struct.pack("<Q", len(hb))); f.write(hb)
            for tname, shape in shard:
                bits = rng.integers(0, 1 << 16, size=int(np.prod(shape)), dtype=np.uint16)
                bits &= 0xBFFF  # exponent never all ones: no NaN/Inf, |x| < 2
                f.write(bits.tobytes())
    with open(os.path.join(a.out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump({"model_type": "benchmark", "torch_dtype": "bfloat16"}, f)
    print(f"{a.out}: {len(tensors)} tensors, {len(shards)} shards, {total / 2**30:.2f} GiB")

if __name__ == "__main__":
    main()
