"""``typelens complete FILE:LINE:COL``: monitor-guided completion with early exit.

LINE and COL are 1-based (COL counts characters), as editors and compilers print
them.  The model and device come from ``--model`` / ``--device``, else from the
``lm-path`` / ``device`` settings of the file's ``[tool.typelens]`` (relative
paths there are relative to that pyproject.toml's folder), else the defaults.  Text output is the completion; JSON adds each token's exit layer and
confidence and the monitors' interventions.

Example::

    $ typelens complete app.py:12:9 --format json --exit-threshold 0.9
"""

from __future__ import annotations

import json
from pathlib import Path

import typer


def _target(spec: str) -> tuple[Path, int, int]:
    from typelens.analyzer import InputError

    parts = spec.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise InputError(f"{spec!r} is not FILE:LINE:COL (1-based line and column), e.g. app.py:12:9")
    return Path(parts[0]), int(parts[1]), int(parts[2])


def complete_command(
    target: str = typer.Argument(..., metavar="FILE:LINE:COL", help="Where to complete (1-based line and column)."),
    model: str = typer.Option(
        None,
        "--model",
        help="A local Hugging Face causal-LM folder, a GGUF file, tiny (the "
        "shipped tiny LM) or smollm2 (default: SmolLM2 when typelens[lm] "
        "and its weights are installed, else tiny; the lm-path "
        "setting when not given).",
    ),
    max_tokens: int = typer.Option(16, "--max-tokens", min=1, max=512),
    no_monitor: bool = typer.Option(False, "--no-monitor", help="Decode without the static-analysis monitors."),
    exit_threshold: float = typer.Option(
        1.0, "--exit-threshold", min=0.0, max=1.0, help="Early-exit confidence (1.0: full depth)."
    ),
    stop_policy: bool = typer.Option(False, "--stop-policy", help="Stop where the model is predicted to go wrong."),
    multiline: bool = typer.Option(False, "--multiline", help="Do not stop at the end of the line."),
    device: str = typer.Option(
        None, "--device", help="auto, cpu or cuda[:N] (default: the device setting, else auto)."
    ),
    dtype: str = typer.Option(
        "auto",
        "--dtype",
        help="auto (fp32 on the CPU, bf16/fp16 on CUDA), fp32, bf16, fp16 "
        "or int8 (CPU: quantized linear layers, faster).",
    ),
    prompt_tokens: int = typer.Option(
        512,
        "--prompt-tokens",
        min=8,
        max=32768,
        help="Token budget of the prompt (lines before the cursor, imports, headers).",
    ),
    threads: int = typer.Option(0, "--threads", min=0, max=256, help="CPU threads (0: chosen for the machine)."),
    root: Path = typer.Option(None, "--root", help="Project root for cross-file resolution (default: found upwards)."),
    python: str = typer.Option(
        None,
        "--python",
        help="The project's Python environment or interpreter (default: the python setting, the site-packages holding the path, $VIRTUAL_ENV, .venv upwards, python on PATH).",
    ),
    output: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Complete code at FILE:LINE:COL with the code LM, guided by static analysis."""
    from typelens.analyzer import InputError, ModelError, TypelensError
    import torch  # a missing [ml] extra is reported in one line by cli.main

    from typelens.monitors.complete import complete
    from typelens.monitors.lm import load_lm, recommended_threads
    from typelens.typeinfer.session import AnalysisSession
    from typelens.typeinfer.settings import load_settings

    from .positions import offset_from_human

    if output not in ("text", "json"):
        typer.echo(f"typelens complete: --format {output!r} is not text or json", err=True)
        raise typer.Exit(2)
    try:
        path, line, column = _target(target)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise InputError(f"{path}: cannot read ({err.strerror or err})") from None
        if b"\x00" in data[:8192]:
            raise InputError(f"{path}: binary file")
        settings = load_settings(path, cli={"python": python, "lm-path": model, "device": device})
        session = AnalysisSession.for_path(path, settings, root=root)
        lm = load_lm(settings.lm_path, device=settings.device, dtype=dtype)
        torch.set_num_threads(threads or recommended_threads(lm.parameters))
        result = complete(
            data,
            offset_from_human(data, line, column),
            path=str(path.resolve()),
            session=session,
            lm=lm,
            max_tokens=max_tokens,
            monitor=not no_monitor,
            exit_threshold=exit_threshold,
            stop_policy=stop_policy,
            multiline=multiline,
            prompt_tokens=prompt_tokens,
        )
    except (TypelensError, ValueError) as err:
        kind = "model" if isinstance(err, ModelError) else "input"
        typer.echo(f"typelens complete: {kind} error: {err}", err=True)
        raise typer.Exit(2) from None
    if output == "json":
        typer.echo(json.dumps(result.to_json(), indent=1))
    else:
        typer.echo(result.text)
