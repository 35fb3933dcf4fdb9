#!/usr/bin/env python3
"""Float64 reference for the recipe benchmark: recomputes a ties or model_stock merge of a
family (base, ft1, ft2) tensor by tensor in float64 (torch, CPU), rounds it once to bf16, and
prints for each given output directory the fraction of elements whose bf16 value differs.

TIES (Yadav et al. 2023): δ_m = θ_m − base, keep the ⌊density·n⌋ largest |δ_m| (ties by lower
index), elect s = sign(Σ w_m δ'_m) (+ on 0), out = base + Σ_{agree} w_m δ'_m / Σ_{agree} w_m.
Model Stock (Jang et al. 2024): cos of δ_1, δ_2, t = 2cos/(1 + cos), out = t·mean θ + (1−t)·base.

usage: reference.py ties|model_stock FAMILY OUT_DIR [OUT_DIR …] [--density 0.5] [--weights 1,0.5]
"""
import argparse
import glob
import os

import torch
from safetensors import safe_open


def tensors(directory):
    """name → (file) for every tensor of a (sharded) checkpoint directory."""
    where = {}
    for f in sorted(glob.glob(os.path.join(directory, "*.safetensors"))):
        with safe_open(f, "pt") as h:
            for k in h.keys():
                where[k] = f
    return where


def load(where, name):
    with safe_open(where[name], "pt") as h:
        return h.get_tensor(name)


def top_k(delta, density):
    n = delta.numel()
    k = int(density * n)
    if density >= 1:
        return delta
    order = torch.argsort(-delta.abs().flatten(), stable=True)
    out = torch.zeros_like(delta.flatten())
    out[order[:k]] = delta.flatten()[order[:k]]
    return out.view_as(delta)


def ties(base, models, density, weights):
    deltas = [top_k(m - base, density) for m in models]
    weighted = [w * d for w, d in zip(weights, deltas)]
    total = sum(weighted)
    elected = torch.where(total >= 0, 1.0, -1.0).double()
    mixed = torch.zeros_like(base)
    divisor = torch.zeros_like(base)
    for w, wd in zip(weights, weighted):
        agree = (wd != 0) & (torch.sign(wd) == elected)
        mixed += torch.where(agree, wd, 0.0)
        divisor += torch.where(agree, w, 0.0)
    divisor = torch.where(divisor == 0, 1.0, divisor)
    return base + mixed / divisor


def model_stock(base, models):
    d1, d2 = (m - base for m in models)
    denominator = max(float(d1.norm() * d2.norm()), 1e-6)
    cos = max(-1.0, min(1.0, float((d1 * d2).sum()) / denominator))
    t = 2 * cos / (1 + cos)
    return t * (models[0] + models[1]) / 2 + (1 - t) * base


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("method", choices=["ties", "model_stock"])
    ap.add_argument("family")
    ap.add_argument("outputs", nargs="+")
    ap.add_argument("--density", type=float, default=0.5)
    ap.add_argument("--weights", default="1,0.5")
    a = ap.parse_args()
    weights = [float(x) for x in a.weights.split(",")]
    base_at = tensors(os.path.join(a.family, "base"))
    model_at = [tensors(os.path.join(a.family, m)) for m in ("ft1", "ft2")]
    out_at = [tensors(o) for o in a.outputs]
    differ = [0] * len(a.outputs)
    total = 0
    for name in base_at:
        base = load(base_at, name).double()
        models = [load(w, name).double() for w in model_at]
        if a.method == "ties":
            ref = ties(base, models, a.density, weights)
        else:
            ref = model_stock(base, models)
        ref = ref.to(torch.bfloat16)
        total += ref.numel()
        for i, o in enumerate(out_at):
            got = load(o, name).to(torch.bfloat16)
            differ[i] += int((got.view(torch.int16) != ref.view(torch.int16)).sum())
    for o, d in zip(a.outputs, differ):
        print(f"{o}\t{d / total:.3e}\t{d}\t{total}")


if __name__ == "__main__":
    main()
