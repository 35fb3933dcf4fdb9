#!/usr/bin/env python3
"""Float64 reference for the recipe benchmark: recomputes a merge of a family (base, ft1, ft2)
tensor by tensor in float64 (torch, CPU) from the method's formula, rounds it once to bf16,
and prints for each given output directory the fraction of elements whose bf16 value differs.
The recipes are the benchmark's (Benchmarks/recipes.sh): weights 1 and 0.5, density 0.5.

linear (Wortsman et al. 2022): Σ w_m θ_m / Σ w_m.
task_arithmetic (Ilharco et al. 2023): base + Σ w_m δ_m, δ_m = θ_m − base.
TIES (Yadav et al. 2023): keep the ⌊density·n⌋ largest |δ_m| (ties by lower index), elect
s = sign(Σ w_m δ'_m) (+ on 0), out = base + Σ_{agree} w_m δ'_m / Σ_{agree} w_m.
breadcrumbs (Davari & Belilovsky 2023): drop the ⌊γn⌋ largest and the smallest |δ_m| so that
⌊density·n⌋ remain (γ = 0.01); breadcrumbs: base + Σ w_m δ'_m; breadcrumbs_ties: TIES's
election with the agreeing sum not divided.
Model Stock (Jang et al. 2024): cos of δ_1, δ_2, t = 2cos/(1 + cos), out = t·mean θ + (1−t)·base.
slerp (Shoemake 1985) of the full weights of ft1 (t = 0) and ft2 at t = 0.5, lerp when
|cos| > 0.9995. nuslerp: slerp of the task vectors at t = w₂/(w₁ + w₂), plus base.
multislerp: û_m = δ_m/‖δ_m‖, μ̂ = normalise(Σ w_m û_m), T = Σ w_m (û_m − (û_m·μ̂)μ̂),
out = base + (μ̂ cos‖T‖ + T sin‖T‖/‖T‖)·Σ w_m ‖δ_m‖ (w normalised).
karcher (Buss & Fillmore 2001): fixed-point iteration of the spherical mean of θ_m/‖θ_m‖
(10 steps, tol 1e-5), times the mean norm.

usage: reference.py METHOD FAMILY OUT_DIR [OUT_DIR …] [--density 0.5] [--weights 1,0.5]
"""
import argparse
import glob
import math
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


def middle(delta, density, gamma):
    n = delta.numel()
    if density >= 1:
        return delta
    keep = int(density * n)
    top = min(int(gamma * n), n - keep)
    order = torch.argsort(-delta.abs().flatten(), stable=True)[top:top + keep]
    out = torch.zeros_like(delta.flatten())
    out[order] = delta.flatten()[order]
    return out.view_as(delta)


def combine(base, deltas, weights, consensus, normalize):
    weighted = [w * d for w, d in zip(weights, deltas)]
    if not consensus:
        mixed = sum(weighted)
        return base + (mixed / sum(weights) if normalize else mixed)
    elected = torch.where(sum(weighted) >= 0, 1.0, -1.0).double()
    mixed = torch.zeros_like(base)
    divisor = torch.zeros_like(base)
    for w, wd in zip(weights, weighted):
        agree = (wd != 0) & (torch.sign(wd) == elected)
        mixed += torch.where(agree, wd, 0.0)
        divisor += torch.where(agree, w, 0.0)
    divisor = torch.where(divisor == 0, 1.0, divisor)
    return base + (mixed / divisor if normalize else mixed)


def slerp(models, t=0.5):
    v0, v1 = models
    n0, n1 = float(v0.norm()), float(v1.norm())
    d = float((v0 * v1).sum()) / ((n0 if n0 > 1e-8 else 1) * (n1 if n1 > 1e-8 else 1))
    if abs(d) > 0.9995:
        return (1 - t) * v0 + t * v1
    omega = math.acos(d)
    return (math.sin((1 - t) * omega) * v0 + math.sin(t * omega) * v1) / math.sin(omega)


def nuslerp(base, models, weights):
    t = weights[1] / (weights[0] + weights[1])
    v0, v1 = (m - base for m in models)
    n0, n1 = max(float(v0.norm()), 1e-7), max(float(v1.norm()), 1e-7)
    omega = math.acos(max(-1.0, min(1.0, float((v0 * v1).sum()) / (n0 * n1))))
    s = math.sin(omega)
    if abs(s) < 1e-8:
        return base + (1 - t) * v0 + t * v1
    return base + (math.sin((1 - t) * omega) * v0 + math.sin(t * omega) * v1) / s


def multislerp(base, models, weights, eps=1e-8):
    w = [x / sum(weights) for x in weights]
    v = [m - base for m in models]
    norms = [float(x.norm()) for x in v]
    units = [x / (n + eps) for x, n in zip(v, norms)]
    mu = sum(wi * u for wi, u in zip(w, units))
    mu = mu / mu.norm()
    tangent = sum(wi * (u - (u * mu).sum() * mu) for wi, u in zip(w, units))
    s = float(tangent.norm()) + eps
    scale = sum(wi * n for wi, n in zip(w, norms))
    return base + (mu * math.cos(s) + tangent * math.sin(s) / s) * scale


def karcher(models, max_iter=10, tol=1e-5):
    norms = [float(m.norm()) for m in models]
    units = [m / n for m, n in zip(models, norms)]
    a = 1 / len(models)
    mu = sum(a * u for u in units)
    mu = mu / mu.norm()
    for _ in range(max_iter):
        tangent = torch.zeros_like(mu)
        for u in units:
            c = max(-1.0, min(1.0, float((mu * u).sum())))
            omega = math.acos(c)
            if omega < tol:
                continue
            tangent += a * omega / math.sin(omega) * (u - c * mu)
        tn = float(tangent.norm())
        if tn < tol:
            break
        mu = math.cos(tn) * mu + math.sin(tn) * tangent / tn
        mu = mu / mu.norm()
    return sum(a * n for n in norms) * mu


def model_stock(base, models):
    d1, d2 = (m - base for m in models)
    denominator = max(float(d1.norm() * d2.norm()), 1e-6)
    cos = max(-1.0, min(1.0, float((d1 * d2).sum()) / denominator))
    t = 2 * cos / (1 + cos)
    return t * (models[0] + models[1]) / 2 + (1 - t) * base


METHODS = {
    "linear": lambda b, ms, rho, w: sum(x * m for x, m in zip(w, ms)) / sum(w),
    "task_arithmetic": lambda b, ms, rho, w: combine(b, [m - b for m in ms], w, False, False),
    "ties": lambda b, ms, rho, w: ties(b, ms, rho, w),
    "breadcrumbs": lambda b, ms, rho, w: combine(
        b, [middle(m - b, rho, 0.01) for m in ms], w, False, False),
    "breadcrumbs_ties": lambda b, ms, rho, w: combine(
        b, [middle(m - b, rho, 0.01) for m in ms], w, True, False),
    "model_stock": lambda b, ms, rho, w: model_stock(b, ms),
    "slerp": lambda b, ms, rho, w: slerp(ms),
    "nuslerp": lambda b, ms, rho, w: nuslerp(b, ms, w),
    "multislerp": lambda b, ms, rho, w: multislerp(b, ms, w),
    "karcher": lambda b, ms, rho, w: karcher(ms),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("method", choices=list(METHODS))
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
        ref = METHODS[a.method](base, models, a.density, weights).to(torch.bfloat16)
        total += ref.numel()
        for i, o in enumerate(out_at):
            got = load(o, name).to(torch.bfloat16)
            differ[i] += int((got.view(torch.int16) != ref.view(torch.int16)).sum())
    for o, d in zip(a.outputs, differ):
        print(f"{o}\t{d / total:.3e}\t{d}\t{total}")


if __name__ == "__main__":
    main()
