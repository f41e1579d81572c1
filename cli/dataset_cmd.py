"""``typelens dataset build ROOTS... --out DIR``: training samples from corpora."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(
    help="Build training datasets from corpora of Python code.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("build")
def build_command(
    roots: list[Path] = typer.Argument(None, help="Corpus folders (a folder of projects, or one project)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (resumes if it holds an earlier run)."),
    stdlib: bool = typer.Option(False, "--stdlib", help="Add the standard library of this Python."),
    site_packages: bool = typer.Option(False, "--site-packages", help="Add this environment's site-packages."),
    seed: int = typer.Option(13, "--seed", help="Seed of the project split."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Extraction processes (the local engine)."),
    exclude: str = typer.Option("", "--exclude", help="Comma list of project names to leave out (held-out code)."),
    engine: str = typer.Option("local", "--engine", help="local (process pool) or dask (a Dask cluster)."),
    scheduler: str = typer.Option(
        None, "--scheduler", help="With --engine dask: a scheduler address (default: start a local cluster)."
    ),
    static_labels: bool = typer.Option(
        False,
        "--static-labels",
        help="Also label what is unannotated with the static engine's certain answers (label_source static; PYInfer's protocol).",
    ),
) -> None:
    """Walk, deduplicate, split by project, extract samples, write JSONL + Parquet + manifest."""
    from typelens.datasets import BuildOptions, build_dataset, site_packages_root, stdlib_root

    corpus = list(roots or [])
    if stdlib:
        corpus.append(stdlib_root())
    if site_packages:
        corpus.append(site_packages_root())
    if not corpus:
        typer.echo("typelens dataset build: give corpus folders, --stdlib or --site-packages", err=True)
        raise typer.Exit(2)
    try:
        left_out = frozenset(e.strip() for e in exclude.split(",") if e.strip())
        manifest = build_dataset(
            corpus,
            out,
            BuildOptions(
                seed=seed, jobs=jobs, exclude=left_out, engine=engine, scheduler=scheduler, static_labels=static_labels
            ),
        )
    except ValueError as err:
        typer.echo(f"typelens dataset build: {err}", err=True)
        raise typer.Exit(2) from None
    summary = {split: info["samples"] for split, info in manifest["splits"].items()}
    typer.echo(
        json.dumps(
            {
                "samples": summary,
                "label_sources": manifest["label_sources"],
                "duplicates_removed": manifest["duplicates_removed"],
            }
        )
    )
