"""Dynamic early exit against full-depth decoding of the same model, in one run.

    python bench/early_exit.py [--model PATH|tiny|smollm2] [--exits DIR] [--limit 200] [--thresholds 0.9,0.8,0.6]
                               [--speculate 3,5] [--draft-layer N] [--lookup 4,8] [--lookup-min 1,2]
                               [--oracle WINDOWS]

The model is the default LM (SmolLM2-135M with the exits `make lm-real` trains,
when installed; else the tiny LM).  Prompts (the last ``--prompt-tokens`` tokens)
are cut inside non-empty lines of installed packages that typelens's exits never
trained on (packaging, typeshed_client, pluggy, typer, click); the reference is
the rest of the line.  Every configuration decodes the same prompt through one
prompt cache, so the prompt is encoded once per case and the timings compare the
generated tokens only.  For full depth and each exit threshold it prints the
average number of layers used, tokens per CPU second (one thread; on a shared
machine the wall time mostly measures the other processes) and per wall second
against full depth, exact match and
ROUGE-L against the full-depth output and against the ground truth, and, with the
stop policy on, how often its stops were right (the token it held back was wrong).
``--speculate`` adds self-speculative decoding: drafts of that many tokens from one
exit, verified by one pass of the layers above it (its output is full depth's);
``--calibrated 0.99`` exits where each exit's probe passes the cut at which that
exit was right (full depth's token) 99 % of the time on the training text;
``--lookup`` the same with drafts copied from what followed the last earlier
occurrence of the text's last tokens (prompt lookup decoding), verified by one
full-depth pass (``--lookup-min 2``: only where the text's last 2 tokens or
more occurred before).
``--oracle N`` prints instead what perfect probes could give with these exits
(on N windows of training packages, never the held-out ones): each exit's
agreement with full depth and the speed-up bound that follows.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from pathlib import Path

import torch

from typelens.datasets.corpus import project_files, site_packages_root
from typelens.monitors.decoding import DecodeOptions, decode, draft_layer
from typelens.monitors.lm import load_lm
from typelens.monitors.prompt_cache import PromptCache

HELD_OUT = ["packaging", "typeshed_client", "pluggy", "typer", "click"]
WORD = re.compile(r"\w+|[^\w\s]")


def rouge_l(candidate: str, reference: str) -> float:
    a, b = WORD.findall(candidate), WORD.findall(reference)
    if not a or not b:
        return float(a == b)
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    lcs = previous[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)


def prompts(roots: list[Path], count: int, rng: random.Random, lm, size: int) -> list[tuple[list[int], str]]:
    files = [p for root in roots for p in project_files(root)]
    rng.shuffle(files)
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = text.split("\n")
        candidates = [i for i, line in enumerate(lines) if i > 5 and len(line.strip()) > 12]
        for i in rng.sample(candidates, min(3, len(candidates))):
            line = lines[i]
            indent = len(line) - len(line.lstrip())
            cut = rng.randrange(indent + 1, len(line) - 4)
            before = "\n".join(lines[:i]) + "\n" + line[:cut]
            found.append((lm.encode(before[-size * 16 :])[-min(size, lm.context - 24) :], line[cut:]))
        if len(found) >= count:
            break
    return found[:count]


TRAINING = ["jinja2", "rich", "attr"]  # packages the exits trained on: the oracle reads these, never the held-out


@torch.no_grad()
def oracle(lm, exits, roots: list[Path], windows: int, rng: random.Random, size: int = 256) -> None:
    """What perfect probes could give with these exits, on training code: per exit,
    how often its best token is full depth's (and the bare final norm and LM head's,
    the "logit lens"), then the mean layers if every token left at the first exit
    that agrees, and the speed-up that bounds, with a layer's and the LM head's
    CPU time measured here (it ignores the damage an early token does to the
    keys and values later tokens read, so it is an upper bound)."""
    from typelens.monitors.layered import layered_for

    net = layered_for(lm.model)
    files = [p for root in roots for p in project_files(root)]
    rng.shuffle(files)
    texts = []
    for path in files:
        ids = lm.encode(path.read_text(encoding="utf-8", errors="replace"))
        if len(ids) > size + 1:
            start = rng.randrange(0, len(ids) - size)
            texts.append(ids[start : start + size])
        if len(texts) >= windows:
            break
    active = list(exits.adapters.active)
    agree = {i: [] for i in active}
    lens = {i: [] for i in active}
    for ids in texts:
        cache = net.new_cache()
        h = net.embed(torch.tensor([ids], device=lm.device), 0)
        states = {}
        for i in range(net.layers):
            h = net.block(i, h, cache)
            states[i] = h
        final = net.head(h)[0].argmax(-1)
        for i in active:
            agree[i].append(exits.logits(net, i, states[i])[0].argmax(-1) == final)
            lens[i].append(net.head(states[i])[0].argmax(-1) == final)
    agree = {i: torch.cat(v) for i, v in agree.items()}
    lens = {i: torch.cat(v) for i, v in lens.items()}
    first = torch.full_like(next(iter(agree.values())), net.layers, dtype=torch.float)
    for i in reversed(active):
        first = torch.where(agree[i], torch.tensor(float(i + 1)), first)
    layer_s, head_s = _costs(net, lm)
    mean = float(first.mean())
    bound = (net.layers * layer_s + head_s) / (mean * layer_s + head_s)
    print(
        f"oracle on {len(first)} positions of {', '.join(r.name for r in roots)} (training code): agreement "
        f"with full depth per exit (adapter / logit lens): "
        + ", ".join(
            f"{i + 1}: {float(agree[i].float().mean()):.1%} / {float(lens[i].float().mean()):.1%}" for i in active
        )
    )
    print(
        f"perfect probes would leave at layer {mean:.2f} on average; a layer costs {layer_s * 1e3:.2f} ms and the "
        f"LM head {head_s * 1e3:.2f} ms of CPU here, so the speed-up is at most {bound:.2f}x (target 1.3x)"
    )


@torch.no_grad()
def _costs(net, lm, repeats: int = 20) -> tuple[float, float]:
    """CPU seconds of one layer (one token over a 384-token cache) and of the LM head."""
    cache = net.new_cache()
    h = net.embed(torch.tensor([[1] * 384], device=lm.device), 0)
    for i in range(net.layers):
        h = net.block(i, h, cache)
    one = h[:, -1:]
    started = time.process_time()
    for _ in range(repeats):
        cache.truncate(384)
        for i in range(net.layers):
            net.block(i, one, cache)
    layer = (time.process_time() - started) / repeats / net.layers
    started = time.process_time()
    for _ in range(repeats):
        net.head(one)
    return layer, (time.process_time() - started) / repeats


def run_all(lm, cases, exits, options: list[DecodeOptions]) -> list[dict]:
    """Decode every case under every configuration, the configurations interleaved
    case by case so that machine drift hits all alike."""
    results = [
        {
            "outputs": [],
            "layers": [],
            "tokens": 0,
            "seconds": 0.0,
            "cpu": 0.0,
            "stops": 0,
            "right_stops": 0,
            "accepted": 0,
        }
        for _ in options
    ]
    cache = PromptCache()
    for ids, truth in cases:
        decode(lm, ids, options=DecodeOptions(max_new_tokens=1), cache=cache)  # the prompt, once, untimed
        for result, option in zip(results, options):
            started, cpu = time.perf_counter(), time.process_time()
            out = decode(lm, ids, exits=exits, options=option, cache=cache)
            result["seconds"] += time.perf_counter() - started
            result["cpu"] += time.process_time() - cpu
            result["outputs"].append(out.text)
            result["layers"].extend(t.layer for t in out.tokens)
            result["tokens"] += len(out.tokens)
            result["accepted"] += out.accepted_drafts
            if out.stopped == "stop-policy" and out.held_back is not None:
                result["stops"] += 1
                result["right_stops"] += not truth.startswith(out.text + lm.decode([out.held_back]))
    for r in results:
        r["layers"] = sum(r["layers"]) / max(1, len(r["layers"]))
        r["tokens_per_s"] = r["tokens"] / r["seconds"]
        r["tokens_per_cpu_s"] = r["tokens"] / r["cpu"]
        r["stop_precision"] = r["right_stops"] / r["stops"] if r["stops"] else None
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a folder, a GGUF file, tiny or smollm2")
    parser.add_argument("--dtype", default="auto", help="auto, fp32 or int8")
    parser.add_argument("--prompt-tokens", type=int, default=384)
    parser.add_argument("--packages", default=",".join(HELD_OUT))
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--thresholds", default="0.95,0.9,0.8,0.7")
    parser.add_argument(
        "--calibrated",
        default="",
        help="precisions each exit must have reached on the training text (the exits' calibration; '' for none)",
    )
    parser.add_argument("--speculate", default="3,5", help="draft lengths of self-speculative decoding ('' for none)")
    parser.add_argument("--lookup", default="4,8", help="draft lengths of prompt lookup decoding ('' for none)")
    parser.add_argument(
        "--lookup-min",
        default="1",
        help="for each lookup draft length, these shortest matched suffixes (tokens; 1,2 runs both)",
    )
    parser.add_argument(
        "--draft-layer", type=int, default=-1, help="the exit drafts come from (-1: nearest half depth)"
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--exits", default=None, help="an exits folder (default: MODEL/exits)")
    parser.add_argument(
        "--oracle",
        type=int,
        default=0,
        help="only the bound perfect probes give, on this many 256-token windows of training packages",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    site = site_packages_root()
    roots = [site / name for name in args.packages.split(",") if (site / name).is_dir()]
    if not roots:
        sys.exit(f"none of {args.packages} is installed in {site}")
    lm = load_lm(args.model, device="cpu", dtype=args.dtype)
    exits = lm.exits_in(Path(args.exits)) if args.exits else lm.exits  # read as `typelens complete` reads them
    if exits is None:
        sys.exit(f"{args.exits or lm.path} has no exits; run `typelens train exits --model {lm.path} --stdlib`")
    if args.oracle:
        oracle(lm, exits, [site / n for n in TRAINING if (site / n).is_dir()], args.oracle, random.Random(args.seed))
        return
    cases = prompts(roots, args.limit, random.Random(args.seed), lm, args.prompt_tokens)
    truths = [t for _, t in cases]
    print(
        f"{len(cases)} line completions from {', '.join(r.name for r in roots)} (held out); model {lm.path.name}, "
        f"{exits.meta['layers']} layers, exits after layers {[i + 1 for i in exits.adapters.active]}; one thread; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    thresholds = [float(t) for t in args.thresholds.split(",") if t]
    precisions = [float(t) for t in args.calibrated.split(",") if t]
    drafts = [int(k) for k in args.speculate.split(",") if k]
    lookups = [(int(k), int(m)) for k in args.lookup.split(",") if k for m in args.lookup_min.split(",") if m]
    options = (
        [DecodeOptions(max_new_tokens=16)]
        + [DecodeOptions(max_new_tokens=16, exit_threshold=t) for t in thresholds]
        + [DecodeOptions(max_new_tokens=16, exit_threshold=t, exit_measure="calibrated") for t in precisions]
        + [DecodeOptions(max_new_tokens=16, speculate=k, draft_layer=args.draft_layer) for k in drafts]
        + [DecodeOptions(max_new_tokens=16, speculate=k, drafts="lookup", lookup_min=m) for k, m in lookups]
        + ([DecodeOptions(max_new_tokens=16, use_stop_policy=True)] if exits.stop is not None else [])
    )
    labels = (
        [f"threshold {t:.2f}" for t in thresholds]
        + [f"calibrated {t:.3f}" for t in precisions]
        + [
            f"speculate {k} (drafts from exit {draft_layer(exits, exits.meta['layers'], args.draft_layer) + 1})"
            for k in drafts
        ]
        + [f"lookup {k}" + (f" (suffix >= {m})" if m > 1 else "") for k, m in lookups]
    )
    run_all(lm, cases[:2], exits, options)  # warm-up: every code path once
    results = run_all(lm, cases, exits, options)
    full = results[0]

    def quality(outputs: list[str], refs: list[str]) -> tuple[float, float]:
        exact = sum(o.strip() == r.strip() for o, r in zip(outputs, refs)) / len(refs)
        return exact, sum(rouge_l(o, r) for o, r in zip(outputs, refs)) / len(refs)

    full_exact, full_rouge = quality(full["outputs"], truths)
    print(
        f"full depth      layers {full['layers']:.2f}  {full['tokens_per_cpu_s']:.1f} tokens per CPU s "
        f"({full['tokens_per_s']:.1f} per wall s)  "
        f"vs truth: exact {full_exact:.1%} ROUGE-L {full_rouge:.3f}"
    )
    for label, r in zip(labels, results[1:]):
        same_exact, same_rouge = quality(r["outputs"], full["outputs"])
        exact, rouge = quality(r["outputs"], truths)
        loss = (full_rouge - rouge) / full_rouge if full_rouge else 0.0
        print(
            f"{label}  layers {r['layers']:.2f}  {r['tokens_per_cpu_s']:.1f} tokens per CPU s "
            f"({r['tokens_per_cpu_s'] / full['tokens_per_cpu_s']:.2f}x full depth; wall "
            f"{r['tokens_per_s'] / full['tokens_per_s']:.2f}x)  vs full depth: exact {same_exact:.1%} "
            f"ROUGE-L {same_rouge:.3f}  vs truth: exact {exact:.1%} ROUGE-L {rouge:.3f} "
            f"(ROUGE-L loss {loss:+.1%}, exact-match loss {full_exact - exact:+.1%} points)"
            + (f"; {r['accepted'] / max(1, r['tokens']):.0%} of tokens from confirmed drafts" if r["accepted"] else "")
        )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    if exits.stop is not None:
        r = results[-1]
        exact, rouge = quality(r["outputs"], truths)
        precision = f"{r['stop_precision']:.1%}" if r["stop_precision"] is not None else "n/a"
        print(
            f"stop policy (threshold {exits.stop.threshold:.3f}, fitted precision {exits.stop.precision:.1%}): "
            f"{r['stops']} stops, precision on this set {precision}; ROUGE-L of what was kept {rouge:.3f}"
        )


if __name__ == "__main__":
    main()
