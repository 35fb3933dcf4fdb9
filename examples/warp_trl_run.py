#!/usr/bin/env python3
"""One WARP run trained by TRL (GRPO) on mergetool's built-in tiny policy: the `--trainer` of
examples/warp-trl.sh.

    python3 examples/warp_trl_run.py --init DIR --out DIR --seed S --steps T [--workdir DIR]
    python3 examples/warp_trl_run.py --make-tokenizer POLICY_DIR

The KL anchor is an EMA of the policy, as in WARP: TRL's reference-model sync with mixup rate
α (`sync_ref_model`, `ref_model_mixup_alpha`, every step) updates the reference as
θ_ref ← (1 − α)·θ_ref + α·θ, i.e. μ = α. The reward is a toy sentiment lexicon defined here
(positive minus negative words over the completion's words); mergetool's evaluator measures
its own lexicon reward and KL to the SFT policy.

The policy directory mergetool writes (config.json for GPT-2, vocab.json, model.safetensors
with GPT-2 base-model tensor names) loads into transformers' GPT2LMHeadModel;
`--make-tokenizer` adds a word-level tokenizer.json built from vocab.json. The checkpoint is
written back with the init's tensor names and files, so mergetool's family check accepts it.
Needs `pip install trl` (torch, transformers, datasets, tokenizers, safetensors).
"""
import argparse
import json
import os
import random
import shutil

POSITIVE = {"great", "love", "excellent", "good", "perfect", "amazing", "wonderful", "best",
            "adore", "fantastic", "nice", "happy", "recommend", "solid", "reliable"}
NEGATIVE = {"bad", "terrible", "awful", "hate", "poor", "worst", "broken", "disappointing",
            "horrible", "cheap", "useless", "flimsy"}
OPENERS = ["this", "the", "i", "my", "it", "we", "honestly", "overall"]


def make_tokenizer(policy):
    """Writes POLICY/tokenizer.json: word level, whitespace split, <unk> for unknown words."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    with open(os.path.join(policy, "vocab.json")) as f:
        vocab = json.load(f)
    tok = Tokenizer(models.WordLevel({t: i for i, t in enumerate(vocab)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.save(os.path.join(policy, "tokenizer.json"))


def load_tokenizer(policy):
    from transformers import PreTrainedTokenizerFast
    return PreTrainedTokenizerFast(
        tokenizer_file=os.path.join(policy, "tokenizer.json"), bos_token="<bos>",
        eos_token="<bos>", pad_token="<bos>", unk_token="<unk>")


def reward(completions, **kwargs):
    scores = []
    for text in completions:
        words = [w for w in text.split() if w != "<bos>"]
        score = sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words)
        scores.append(score / max(1, len(words)))
    return scores


def train(args):
    import torch
    from datasets import Dataset
    from safetensors import safe_open
    from safetensors.torch import save_file
    from transformers import GPT2LMHeadModel
    from trl import GRPOConfig, GRPOTrainer

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    tokenizer = load_tokenizer(args.init)
    vocab = set(tokenizer.get_vocab())
    openers = [w for w in OPENERS if w in vocab]
    prompts = ["<bos> " + random.choice(openers) for _ in range(max(64, args.steps * 2))]
    model = GPT2LMHeadModel.from_pretrained(args.init, torch_dtype=torch.float32)
    workdir = args.workdir or os.path.join(args.out + ".trl")
    config = GRPOConfig(
        output_dir=workdir, max_steps=args.steps, per_device_train_batch_size=8,
        num_generations=4, max_completion_length=12, temperature=0.9,
        learning_rate=args.lr, beta=args.beta, sync_ref_model=True,
        ref_model_mixup_alpha=args.mu, ref_model_sync_steps=1, seed=args.seed,
        logging_steps=1, save_strategy="no", report_to=[], use_cpu=True)
    trainer = GRPOTrainer(
        model=model, reward_funcs=reward, args=config,
        train_dataset=Dataset.from_dict({"prompt": prompts}), processing_class=tokenizer)
    trainer.train()

    # Back in the init's layout: its tensor names (GPT-2 base model), dtypes and files.
    with safe_open(os.path.join(args.init, "model.safetensors"), framework="pt") as f:
        names = list(f.keys())
    state = trainer.model.transformer.state_dict()
    os.makedirs(args.out, exist_ok=True)
    save_file({n: state[n].detach().to(torch.float32).contiguous() for n in names},
              os.path.join(args.out, "model.safetensors"), metadata={"format": "pt"})
    for name in ("config.json", "vocab.json", "tokenizer.json"):
        shutil.copy(os.path.join(args.init, name), os.path.join(args.out, name))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--make-tokenizer", metavar="POLICY")
    ap.add_argument("--init")
    ap.add_argument("--out")
    ap.add_argument("--workdir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--mu", type=float, default=0.01, help="EMA rate of the anchor")
    args = ap.parse_args()
    if args.make_tokenizer:
        make_tokenizer(args.make_tokenizer)
    else:
        # seeds from mergetool are 64-bit; numpy/torch want < 2**32
        args.seed %= 2**32
        train(args)


if __name__ == "__main__":
    main()
