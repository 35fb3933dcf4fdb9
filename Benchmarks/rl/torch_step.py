#!/usr/bin/env python3
"""The REINFORCE step of `mergetool train rl`, written in PyTorch (CPU, one thread).

Same work per step as Sources/Reinforce/Training/ReinforceTrainer.swift:
  1. sample 12 tokens for each of 16 prompts with a key/value cache (temperature 0.9);
  2. reward each completion (a fixed per-token valence table stands in for the lexicon);
  3. score the batch under the policy (with gradient), the EMA anchor and the SFT model;
  4. A_i = r_i - beta*KL_i - mean, loss = -(1/B) sum_i A_i sum_t log pi(y_t), backward;
  5. global-norm clip 1, Adam step, EMA update (mu = 0.01).
Model: GPT-2 layout, 2 layers, d_model 64, 4 heads, context 32, vocabulary 299, tied output
embedding, pre-LayerNorm, gelu_new. Prints steps/s, sampled tokens/s and steps per
CPU-second (process time of the timed loop).

usage: torch_step.py [--steps 200] [--warmup 20] [--batch 16] [--tokens 12]
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


class Block(torch.nn.Module):
    def __init__(self, c, nh):
        super().__init__()
        self.nh = nh
        self.ln_1 = torch.nn.LayerNorm(c)
        self.c_attn = torch.nn.Linear(c, 3 * c)
        self.c_proj = torch.nn.Linear(c, c)
        self.ln_2 = torch.nn.LayerNorm(c)
        self.c_fc = torch.nn.Linear(c, 4 * c)
        self.mlp_proj = torch.nn.Linear(4 * c, c)

    def attend(self, x, cache=None):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        shape = lambda z: z.view(b, t, self.nh, c // self.nh).transpose(1, 2)
        q, k, v = shape(q), shape(k), shape(v)
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
            y = F.scaled_dot_product_attention(q, k, v, is_causal=False)
        else:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(torch.nn.Module):
    def __init__(self, vocab=299, c=64, nh=4, layers=2, context=32):
        super().__init__()
        self.wte = torch.nn.Embedding(vocab, c)
        self.wpe = torch.nn.Embedding(context, c)
        self.h = torch.nn.ModuleList(Block(c, nh) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(c)
        for p in self.parameters():
            if p.dim() == 2:
                torch.nn.init.normal_(p, std=0.02)

    def forward(self, idx, caches=None, pos0=0):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(pos0, pos0 + t))
        for i, block in enumerate(self.h):
            x = block.attend(x, None if caches is None else caches[i])
        return self.ln_f(x) @ self.wte.weight.T


@torch.no_grad()
def sample(model, prompt, tokens, temperature, gen):
    caches = [[None, None] for _ in model.h]
    logits = model(prompt, caches)[:, -1]
    out = []
    pos = prompt.shape[1]
    for i in range(tokens):
        probs = torch.softmax(logits / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=gen)
        out.append(nxt)
        if i + 1 < tokens:  # the last sampled token is never fed (ours neither)
            logits = model(nxt, caches, pos)[:, -1]
            pos += 1
    return torch.cat(out, dim=1)


def seq_logprob(model, seq, start):
    logits = model(seq[:, :-1])
    logp = torch.log_softmax(logits, dim=-1)
    tok = logp.gather(2, seq[:, 1:].unsqueeze(-1)).squeeze(-1)
    return tok[:, start - 1:].sum(dim=1), logp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--tokens", type=int, default=12)
    args = ap.parse_args()
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    policy, sft = GPT(), GPT()
    sft.load_state_dict(policy.state_dict())
    ema = GPT()
    ema.load_state_dict(policy.state_dict())
    for m in (sft, ema):
        m.requires_grad_(False)
    opt = torch.optim.Adam(policy.parameters(), lr=1e-3)
    valence = torch.randn(299) * 0.3
    beta, mu, b, n = 0.1, 0.01, args.batch, args.tokens
    # <bos> + 4 words. Ours draws 2..4 words per prompt but feeds every row for
    # (longest prompt + N - 1) ticks and scores (B, longest + N - 1) positions; with 16 rows
    # the longest prompt is almost always <bos> + 4 words. So both feed 16 positions per row
    # while sampling and score 16 positions per row under each of the three models.
    prompt_len = 5

    def step():
        prompt = torch.randint(2, 299, (b, prompt_len), generator=gen)
        prompt[:, 0] = 0
        y = sample(policy, prompt, n, 0.9, gen)
        seq = torch.cat([prompt, y], dim=1)
        r = valence[y].mean(dim=1)
        lp, _ = seq_logprob(policy, seq, prompt_len)
        with torch.no_grad():
            la, _ = seq_logprob(ema, seq, prompt_len)
            ls, _ = seq_logprob(sft, seq, prompt_len)
        kl = lp.detach() - la
        obj = r - beta * kl
        adv = obj - obj.mean()
        loss = -(adv * lp).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for pe, pp in zip(ema.parameters(), policy.parameters()):
                pe.mul_(1 - mu).add_(pp, alpha=mu)
        return (lp.detach() - ls).mean().item()

    for _ in range(args.warmup):
        step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"torch {torch.__version__}: {args.steps / dt:.2f} steps/s, "
          f"{args.steps * b * n / dt:.0f} sampled tokens/s "
          f"(batch {b} x {n} tokens, {args.steps} steps, {dt:.3f} s, 1 thread); "
          f"{args.steps / dc:.2f} steps per CPU-second")


if __name__ == "__main__":
    main()
