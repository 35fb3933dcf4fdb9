#!/usr/bin/env python3
"""The merge a user would write by hand in NumPy, for the benchmark: SLERP of two bf16
fine-tunes' task vectors with one angle per transformer block, then LITI at η, tensor by
tensor, written as sharded bf16 safetensors (same shard layout as the init).

    slerp = θ_init + sin((1−λ)Ω)/sin Ω · δ1 + sin(λΩ)/sin Ω · δ2,   out = θ_init + η·(slerp − θ_init)

usage: numpy_slerp.py FT1 FT2 --init BASE --eta 0.3 -o OUT            (float32 math, like a user)
       numpy_slerp.py FT1 FT2 --init BASE --eta 0.3 --verify MERGED   (float64 reference; compares
                                                                      MERGED's bf16 bytes to it)
"""
import argparse
import json
import math
import os
import re
import struct

import numpy as np


class Checkpoint:
    """A sharded (or single-file) bf16 safetensors checkpoint, memory-mapped."""

    def __init__(self, path):
        self.path = path
        index = os.path.join(path, "model.safetensors.index.json")
        if os.path.exists(index):
            with open(index) as f:
                files = sorted(set(json.load(f)["weight_map"].values()))
        else:
            files = sorted(f for f in os.listdir(path) if f.endswith(".safetensors"))
        self.entries, self.order, self.files = {}, [], files
        for fname in files:
            full = os.path.join(path, fname)
            with open(full, "rb") as f:
                n = struct.unpack("<Q", f.read(8))[0]
                header = json.loads(f.read(n))
            mm = np.memmap(full, dtype=np.uint8, mode="r")
            for name, e in header.items():
                if name == "__metadata__":
                    continue
                b, end = e["data_offsets"]
                self.entries[name] = (fname, e["dtype"], tuple(e["shape"]), mm, 8 + n + b, 8 + n + end)
                self.order.append(name)

    def bits(self, name):
        _, dtype, shape, mm, b, e = self.entries[name]
        assert dtype == "BF16", dtype
        return np.frombuffer(mm[b:e], dtype=np.uint16)

    def f32(self, name):
        return (self.bits(name).astype(np.uint32) << 16).view(np.float32)


def to_bf16(x):
    b = x.astype(np.float32).view(np.uint32)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


def block(name):
    m = re.match(r"^(.*?\b(?:layers|h|blocks|layer|block)\.\d+)\.", name)
    return m.group(1) if m else name


def coefficients(n1, n2, dot, lam):
    if n1 == 0 or n2 == 0:
        return 1 - lam, lam
    c = max(-1.0, min(1.0, dot / math.sqrt(n1 * n2)))
    om = math.acos(c)
    s = math.sin(om)
    if s < 1e-6:
        return 1 - lam, lam
    return math.sin((1 - lam) * om) / s, math.sin(lam * om) / s


def groups_of(order):
    groups, slot = [], {}
    for n in order:
        k = block(n)
        if k not in slot:
            slot[k] = len(groups)
            groups.append([])
        groups[slot[k]].append(n)
    return groups


def merge(a):
    base, m1, m2 = Checkpoint(a.init), Checkpoint(a.models[0]), Checkpoint(a.models[1])
    os.makedirs(a.output, exist_ok=True)
    handles, headers = {}, {}
    by_file = {}
    for n in base.order:
        by_file.setdefault(base.entries[n][0], []).append(n)
    for fname, names in by_file.items():   # headers first: shapes are known
        header, off = {}, 0
        for n in names:
            shape = base.entries[n][2]
            size = 2 * int(np.prod(shape))
            header[n] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [off, off + size]}
            off += size
        h = json.dumps(header, separators=(",", ":")).encode()
        h += b" " * ((8 - len(h) % 8) % 8)
        f = open(os.path.join(a.output, fname), "wb")
        f.write(struct.pack("<Q", len(h)) + h)
        handles[fname], headers[fname] = f, names
    pending = {fname: {} for fname in handles}   # write in each file's order
    nxt = {fname: 0 for fname in handles}
    for group in groups_of(base.order):
        n1 = n2 = dot = 0.0
        for n in group:      # statistics pass, tensor by tensor
            t0 = base.f32(n)
            d1 = m1.f32(n) - t0
            d2 = m2.f32(n) - t0
            n1 += float(np.dot(d1, d1)); n2 += float(np.dot(d2, d2)); dot += float(np.dot(d1, d2))
        p, q = coefficients(n1, n2, dot, a.lam)
        for n in group:      # write pass
            t0 = base.f32(n)
            out = t0 + np.float32(a.eta) * (np.float32(p) * (m1.f32(n) - t0) + np.float32(q) * (m2.f32(n) - t0))
            fname = base.entries[n][0]
            pending[fname][n] = to_bf16(out)
            names = headers[fname]
            while nxt[fname] < len(names) and names[nxt[fname]] in pending[fname]:
                handles[fname].write(pending[fname].pop(names[nxt[fname]]).tobytes())
                nxt[fname] += 1
    for f in handles.values():
        f.close()
    weight_map = {n: base.entries[n][0] for n in base.order}
    with open(os.path.join(a.output, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)


def verify(a):
    """float64 reference, correctly rounded to bf16, against the merged checkpoint's bytes."""
    base, m1, m2 = Checkpoint(a.init), Checkpoint(a.models[0]), Checkpoint(a.models[1])
    out = Checkpoint(a.verify)
    same = total = 0
    err2 = ref2 = 0.0
    for group in groups_of(base.order):
        n1 = n2 = dot = 0.0
        for n in group:
            t0 = base.f32(n).astype(np.float64)
            d1 = m1.f32(n) - t0
            d2 = m2.f32(n) - t0
            n1 += float(d1 @ d1); n2 += float(d2 @ d2); dot += float(d1 @ d2)
        p, q = coefficients(n1, n2, dot, a.lam)
        for n in group:
            t0 = base.f32(n).astype(np.float64)
            s = t0 + (p * (m1.f32(n) - t0) + q * (m2.f32(n) - t0))
            ref = t0 + a.eta * (s - t0) if a.eta != 1 else s
            # correctly rounded bf16 of a float64: exact tie handling through the residual
            f = ref.astype(np.float32)
            bits = f.view(np.uint32)
            tie = (bits & 0xFFFF) == 0x8000
            r = to_bf16(f)
            if tie.any():
                lower = (bits & 0xFFFF0000).view(np.float32).astype(np.float64)
                up = np.abs(ref) > np.abs(f.astype(np.float64))
                down = np.abs(ref) < np.abs(f.astype(np.float64))
                r = np.where(tie & up, ((bits >> 16) + 1).astype(np.uint16), r)
                r = np.where(tie & down, (bits >> 16).astype(np.uint16), r)
                del lower
            got = out.bits(n)
            same += int(np.count_nonzero(got == r))
            total += r.size
            g = (got.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
            rr = (r.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
            err2 += float(((g - rr) ** 2).sum())
            ref2 += float(((rr - t0) ** 2).sum())
    print(json.dumps({"elements": total, "identical": same, "identical_fraction": same / total,
                      "relative_error": math.sqrt(err2) / math.sqrt(ref2) if ref2 > 0 else 0.0}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs=2)
    ap.add_argument("--init", required=True)
    ap.add_argument("--eta", type=float, default=1.0)
    ap.add_argument("--lambda", dest="lam", type=float, default=0.5)
    ap.add_argument("-o", "--output")
    ap.add_argument("--verify")
    a = ap.parse_args()
    if a.verify:
        verify(a)
    else:
        merge(a)


if __name__ == "__main__":
    main()
