#!/usr/bin/env python3
"""Checks that transformers loads a converted checkpoint in the dtype mergetool wrote: runs
`mergetool convert CKPT -o OUT --dtype f32` on a bf16 Llama checkpoint directory and loads OUT
with `AutoModelForCausalLM.from_pretrained(OUT, torch_dtype="auto")` (transformers reads
config.json's torch_dtype), expecting float32 parameters; then the same for bf16.

usage: check_config_dtype.py MERGETOOL CKPT WORK_DIR   (needs torch and transformers)
"""
import subprocess
import sys

import torch
from transformers import AutoModelForCausalLM


def main():
    tool, ckpt, work = sys.argv[1:4]
    for flag, want in (("f32", torch.float32), ("bf16", torch.bfloat16)):
        out = f"{work}/converted-{flag}"
        subprocess.run([tool, "convert", ckpt, "-o", out, "--dtype", flag, "--force", "-q"],
                       check=True)
        model = AutoModelForCausalLM.from_pretrained(out, torch_dtype="auto")
        dtypes = {p.dtype for p in model.parameters()}
        ok = dtypes == {want}
        print(f"convert --dtype {flag}: transformers loads {sorted(map(str, dtypes))}"
              f" ({'ok' if ok else 'WRONG, expected ' + str(want)})")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
