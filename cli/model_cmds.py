"""``typelens train``, ``typelens evaluate`` and ``typelens export``: the model
commands (torch is imported only when they run)."""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import typer

train_app = typer.Typer(help="Train models.", no_args_is_help=True, rich_markup_mode=None)


@contextmanager
def one_line_errors(command: str) -> Iterator[None]:
    """Bad data or a bad model folder: one line on stderr and exit code 2, no traceback."""
    from typelens.analyzer import ModelError

    try:
        yield
    except (ValueError, ModelError) as err:
        typer.echo(f"{command}: {err}", err=True)
        raise typer.Exit(2) from None


def _default_value_shapes() -> int:
    from typelens.typeinfer.features import VALUE_SHAPES  # computed only when the command runs

    return VALUE_SHAPES


@train_app.command("classifier")
def train_classifier_command(
    data: Path = typer.Option(..., "--data", help="A dataset folder from `typelens dataset build`."),
    out: Path = typer.Option(..., "--out", help="The model folder to write."),
    top: int = typer.Option(500, "--top", help="How many types get their own class (the rest: <other>)."),
    epochs: int = typer.Option(6, "--epochs"),
    seed: int = typer.Option(13, "--seed"),
    dim: int = typer.Option(48, "--dim", help="Embedding size."),
    hidden: int = typer.Option(192, "--hidden", help="Width of the MLP head."),
    layers: int = typer.Option(1, "--layers", help="Stacked convolutions over each window (dilations 1, 2, 4...)."),
    buckets: int = typer.Option(1 << 14, "--buckets", help="Hashed token ids."),
    subtokens: bool = typer.Option(
        False,
        "--subtokens/--no-subtokens",
        help="Also give each identifier in a window its last word (n_points -> points).",
    ),
    values: int = typer.Option(
        ...,
        "--values",
        min=0,
        max=16,
        default_factory=_default_value_shapes,
        show_default="the inference default",
        help="How many shapes of the expressions a symbol is bound to the model reads "
        "(x = a < b: §comparison_operator:<); 0: none.",
    ),
) -> None:
    """Train the PYInfer-style token-window classifier, calibrate it, export ONNX."""
    from typelens.typeinfer.neural.train import train_classifier

    logging.getLogger("typelens").setLevel(logging.WARNING)
    with one_line_errors("typelens train"):
        config = train_classifier(
            data,
            out,
            top=top,
            epochs=epochs,
            seed=seed,
            dim=dim,
            hidden=hidden,
            layers=layers,
            buckets=buckets,
            subtokens=subtokens,
            values=values,
        )
    typer.echo(json.dumps({k: config[k] for k in ("train_samples", "valid_samples", "temperature", "seconds")}))


@train_app.command("slice")
def train_slice_command(
    data: Path = typer.Option(..., "--data", help="A dataset folder from `typelens dataset build`."),
    out: Path = typer.Option(..., "--out", help="The model folder to write."),
    epochs: int = typer.Option(2, "--epochs"),
    limit: int = typer.Option(60000, "--limit", help="Train on at most this many samples."),
    seed: int = typer.Option(13, "--seed"),
) -> None:
    """Train the CodeTIDAL5-style slice model (a small T5 from scratch) that generates type strings."""
    from typelens.typeinfer.neural.slice_model import train_slice_model

    with one_line_errors("typelens train"):
        settings = train_slice_model(data, out, epochs=epochs, limit=limit, seed=seed)
    typer.echo(json.dumps(settings))


def _roots(command: str, corpus: list[Path], stdlib: bool, site_packages: bool) -> list[Path]:
    from typelens.datasets.corpus import site_packages_root, stdlib_root

    roots = list(corpus) + ([stdlib_root()] if stdlib else []) + ([site_packages_root()] if site_packages else [])
    if not roots:
        typer.echo(f"typelens train {command}: no corpus; pass --corpus DIR, --stdlib or --site-packages", err=True)
        raise typer.Exit(2)
    return roots


def _texts(roots: list[Path], exclude: str, max_mb: float, seed: int) -> list[str]:
    from typelens.monitors.corpus_text import corpus_texts

    return corpus_texts(roots, exclude={e for e in exclude.split(",") if e}, max_bytes=int(max_mb * 1e6), seed=seed)


@train_app.command("lm")
def train_lm_command(
    out: Path = typer.Option(..., "--out", help="The model folder to write (a Hugging Face folder)."),
    corpus: list[Path] = typer.Option([], "--corpus", help="A corpus root (repeatable)."),
    stdlib: bool = typer.Option(False, "--stdlib", help="Add this Python's standard library."),
    site_packages: bool = typer.Option(False, "--site-packages", help="Add this environment's site-packages."),
    exclude: str = typer.Option("", "--exclude", help="Comma-separated project names to hold out."),
    max_mb: float = typer.Option(20.0, "--max-mb", help="Read at most this many MB of source."),
    steps: int = typer.Option(2400, "--steps"),
    layers: int = typer.Option(6, "--layers"),
    dim: int = typer.Option(128, "--dim"),
    vocab: int = typer.Option(4096, "--vocab"),
    seed: int = typer.Option(13, "--seed"),
) -> None:
    """Train the default code LM: byte-level BPE tokenizer and a small GPT-2 from scratch."""
    from typelens.monitors.train_lm import LMConfig, train_lm

    roots = _roots("lm", corpus, stdlib, site_packages)
    with one_line_errors("typelens train"):
        texts = _texts(roots, exclude, max_mb, seed)
        report = train_lm(texts, out, LMConfig(steps=steps, layers=layers, dim=dim, vocab=vocab, seed=seed))
    typer.echo(json.dumps({k: report[k] for k in ("train_tokens", "valid_perplexity", "parameters", "seconds")}))


def _exit_layers(spec: str) -> tuple[int, ...] | None:
    if not spec.strip():
        return None
    try:
        found = tuple(sorted({int(x) - 1 for x in spec.split(",") if x.strip()}))
    except ValueError:
        raise ValueError(f"--layers {spec!r} is not a comma-separated list of layer numbers, e.g. 16,20,24") from None
    if not found or found[0] < 0:
        raise ValueError(f"--layers {spec!r}: layers are numbered from 1")
    return found


@train_app.command("exits")
def train_exits_command(
    model: str = typer.Option(
        None,
        "--model",
        help="A GPT-2 or Llama-architecture LM: a folder, a GGUF file, tiny or smollm2 (default: the default LM).",
    ),
    out: Path = typer.Option(None, "--out", help="Where to write the exits (default: MODEL/exits)."),
    corpus: list[Path] = typer.Option([], "--corpus", help="A corpus root (repeatable)."),
    stdlib: bool = typer.Option(False, "--stdlib", help="Add this Python's standard library."),
    site_packages: bool = typer.Option(False, "--site-packages", help="Add this environment's site-packages."),
    exclude: str = typer.Option("", "--exclude", help="Comma-separated project names to hold out."),
    max_mb: float = typer.Option(4.0, "--max-mb", help="Read at most this many MB of source."),
    steps: int = typer.Option(1200, "--steps", help="Optimiser steps (per exit layer for a large vocabulary)."),
    tokens: int = typer.Option(24000, "--tokens", help="Training positions collected once (large vocabularies)."),
    layers: str = typer.Option(
        "",
        "--layers",
        help="Comma-separated 1-based layers to exit after "
        "(default: all of a small model, every other of a deep one's upper half).",
    ),
    whole_vocabulary: bool = typer.Option(
        False,
        "--whole-vocabulary",
        help="Large vocabularies: fit each exit against the whole vocabulary, not the "
        "sampled candidates (agrees more with full depth; the LM head's cost per step).",
    ),
    seed: int = typer.Option(13, "--seed"),
) -> None:
    """Train early-exit adapters (KL to the full model), their probes and the stop policy for an LM."""
    from typelens.monitors.early_exit import train_exits
    from typelens.monitors.lm import load_lm

    roots = _roots("exits", corpus, stdlib, site_packages)
    with one_line_errors("typelens train"):
        lm = load_lm(model, device="cpu", dtype="fp32")
        texts = _texts(roots, exclude, max_mb, seed + 1)
        exit_layers = _exit_layers(layers)
        report = train_exits(
            lm,
            texts,
            out or lm.path / "exits",
            steps=steps,
            seed=seed,
            tokens=tokens,
            exit_layers=exit_layers,
            whole=whole_vocabulary,
        )
    typer.echo(json.dumps(report))


def evaluate_command(
    model: Path = typer.Option(..., "--model", help="A model folder."),
    data: Path = typer.Option(..., "--data", help="A dataset folder."),
    split: str = typer.Option("test", "--split"),
    out: Path = typer.Option(
        None, "--out", help="Where to write report.json and the plots (default: the model folder)."
    ),
    label_source: str = typer.Option(
        None, "--label-source", help="Only samples labelled this way: annotation, stub, static, or a comma list."
    ),
) -> None:
    """Top-1/top-5 exact and base-type accuracy by kind and frequency bucket."""
    from typelens.typeinfer.neural.evaluate import evaluate

    with one_line_errors("typelens evaluate"):
        report = evaluate(model, data, split, out or model, label_source=label_source)
    typer.echo(json.dumps(report["overall"], indent=1))


def export_command(
    model: Path = typer.Option(..., "--model", help="A model folder."),
    onnx: bool = typer.Option(True, "--onnx/--no-onnx", help="Write model.onnx."),
) -> None:
    """Export a trained model to ONNX in the same folder (classifier: model.onnx; slice
    model: encoder.onnx + decoder.onnx)."""
    from typelens.analyzer import ModelError
    from typelens.typeinfer.neural.export import export_onnx

    try:
        if (model / "slice.json").is_file():
            from typelens.typeinfer.neural.slice_onnx import export_slice_onnx

            path = " ".join(str(p) for p in export_slice_onnx(model)) if onnx else None
        else:
            path = export_onnx(model) if onnx else None
    except ModelError as err:
        typer.echo(f"typelens export: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(str(path))
