"""int8 (dynamic quantization) against fp32 decoding of the same model, in one run.

    python bench/lm_dtype.py [--model PATH|tiny|smollm2] [--limit 12] [--max-tokens 16]

Both copies of the model (default: the default LM) decode the same prompts, cut
inside lines of installed packages typelens never trained on (as in
``bench/early_exit.py``), greedily at full depth without monitors, one thread.
Each prompt is encoded untimed first; the timed part is the generated tokens.
It prints CPU time per token (``time.process_time``: on a shared machine the wall
time mostly measures the other processes; it is printed too, with the load
average), the int8/fp32 speed ratio, and how often int8's completion equals
fp32's (exact, and the first generated token).

Example output line::

    int8: 26.1 ms CPU per token (2.50x fp32); same completion as fp32 75.0%, same first token 91.7%
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

import torch

from early_exit import HELD_OUT, prompts
from typelens.datasets.corpus import site_packages_root
from typelens.monitors.decoding import DecodeOptions, decode
from typelens.monitors.lm import load_lm
from typelens.monitors.prompt_cache import PromptCache


def run(lm, cases, max_tokens: int) -> dict:
    """Greedy full-depth decoding of every case; CPU and wall seconds of the generated tokens."""
    out = {"texts": [], "firsts": [], "tokens": 0, "cpu": 0.0, "wall": 0.0}
    options = DecodeOptions(max_new_tokens=max_tokens, stop_at_newline=False)
    cache = PromptCache()
    for ids, _ in cases:
        decode(lm, ids, options=DecodeOptions(max_new_tokens=1), cache=cache)  # the prompt, once, untimed
        cpu, wall = time.process_time(), time.perf_counter()
        result = decode(lm, ids, options=options, cache=cache)
        out["cpu"] += time.process_time() - cpu
        out["wall"] += time.perf_counter() - wall
        out["texts"].append(result.text)
        out["firsts"].append(result.tokens[0].id if result.tokens else None)
        out["tokens"] += len(result.tokens)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a folder, a GGUF file, tiny or smollm2")
    parser.add_argument("--prompt-tokens", type=int, default=384)
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    torch.set_num_threads(1)
    site = site_packages_root()
    roots = [site / name for name in HELD_OUT if (site / name).is_dir()]
    if not roots:
        sys.exit(f"none of {HELD_OUT} is installed in {site}")
    results = {}
    for dtype in ("fp32", "int8"):
        lm = load_lm(args.model, device="cpu", dtype=dtype)
        cases = prompts(roots, args.limit, random.Random(args.seed), lm, args.prompt_tokens)
        run(lm, cases[:2], args.max_tokens)  # warm-up
        load = os.getloadavg()[0]
        results[dtype] = run(lm, cases, args.max_tokens)
        results[dtype]["load"] = (load, os.getloadavg()[0])
        del lm
    base, quant = results["fp32"], results["int8"]
    print(
        f"{len(base['texts'])} prompts from {', '.join(r.name for r in roots)}, {args.max_tokens} greedy tokens at "
        f"full depth, one thread, {os.cpu_count()} cores"
    )
    for name, r in results.items():
        per_cpu, per_wall = r["cpu"] / max(1, r["tokens"]), r["wall"] / max(1, r["tokens"])
        line = (
            f"{name}: {per_cpu * 1e3:.1f} ms CPU per token, {per_wall * 1e3:.1f} ms wall "
            f"(load average {r['load'][0]:.1f} -> {r['load'][1]:.1f})"
        )
        if r is quant:
            same = sum(a == b for a, b in zip(quant["texts"], base["texts"])) / len(base["texts"])
            first = sum(a == b for a, b in zip(quant["firsts"], base["firsts"])) / len(base["firsts"])
            speed = (base["cpu"] / max(1, base["tokens"])) / max(1e-9, per_cpu)
            line += f"; {speed:.2f}x fp32 in CPU time; same completion as fp32 {same:.1%}, same first token {first:.1%}"
        print(line)


if __name__ == "__main__":
    main()
