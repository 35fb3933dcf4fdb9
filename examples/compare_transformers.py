#!/usr/bin/env python3
"""Load a policy saved by mergetool with Hugging Face `transformers` and compare its logits
with mergetool's own forward pass on the same tokens.

    python3 examples/compare_transformers.py POLICY_DIR [--mergetool .build/release/mergetool]
        [--text "this blender is not bad at all"]

POLICY_DIR is any policy mergetool wrote (e.g. demo-out/warp/sft/policy or
demo-out/warp/iteration-1/eta-0.30): config.json (GPT-2), vocab.json, model.safetensors.
Needs `pip install torch transformers safetensors`. Exits 1 when the largest absolute logit
difference exceeds --tolerance (default 1e-4).
"""
import argparse
import json
import os
import subprocess
import sys

import torch
from transformers import GPT2LMHeadModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("policy")
    ap.add_argument("--mergetool", default=".build/release/mergetool")
    ap.add_argument("--text", default="this blender is not bad at all , i love it")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()

    with open(os.path.join(args.policy, "vocab.json")) as f:
        vocab = json.load(f)
    index = {t: i for i, t in enumerate(vocab)}
    ids = [0] + [index.get(w, 1) for w in args.text.lower().split()]

    out = subprocess.run(
        [args.mergetool, "eval", args.policy, "--sft", args.policy,
         "--dump-logits", " ".join(map(str, ids))],
        check=True, capture_output=True, text=True).stdout
    ours = torch.tensor(json.loads(out)["logits"], dtype=torch.float64)

    model = GPT2LMHeadModel.from_pretrained(args.policy, torch_dtype=torch.float32)
    model.eval()
    with torch.no_grad():
        theirs = model(torch.tensor([ids])).logits[0].double()

    diff = (ours - theirs).abs().max().item()
    scale = theirs.abs().max().item()
    same_argmax = bool((ours.argmax(-1) == theirs.argmax(-1)).all())
    print(f"tokens: {len(ids)}  vocab: {len(vocab)}  max |logit|: {scale:.4f}")
    print(f"max |mergetool - transformers|: {diff:.3e}  argmax agree: {same_argmax}")
    sys.exit(0 if diff <= args.tolerance else 1)


if __name__ == "__main__":
    main()
