"""`synth distill` (train an OT / KD adapter) and `synth eval encoders` (bitext or evidence retrieval of encoders)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from ..config import BASE_ENCODER, Settings


def _threads(n: int) -> None:
    import torch

    torch.set_num_threads(max(1, n))


@click.command()
@click.option("--bitext", "files", multiple=True, required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Two-column TSV, English first (repeatable). Only the train split is used.")
@click.option("--method", type=click.Choice(["ot", "kd", "ot+kd"]), default="ot", show_default=True,
              help="OPTICAL's OT loss, the Reimers & Gurevych KD baseline, or their sum.")
@click.option("--teacher", default="minilm", show_default=True,
              help="Teacher encoder reading the English side; the student's own base (e5-small) is a teacher in the "
                   "student's space.")
@click.option("--student", default=BASE_ENCODER, show_default=True, help="Student base encoder.")
@click.option("--reg", type=float, default=0.05, show_default=True, help="Entropic regularisation epsilon.")
@click.option("--unbalanced", "tau", type=float, default=None, help="KL marginal relaxation tau (unbalanced OT).")
@click.option("--steps", type=int, default=200, show_default=True)
@click.option("--batch-size", type=int, default=16, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--lr", type=float, default=5e-4, show_default=True)
@click.option("--lora-rank", type=int, default=8, show_default=True)
@click.option("--lora-layers", type=int, default=4, show_default=True, help="Adapt the top N transformer layers.")
@click.option("--max-length", type=int, default=48, show_default=True, help="Tokens per sentence in training.")
@click.option("--split", type=click.Choice(["train", "all"]), default="train", show_default=True)
@click.option("--en-anchor/--no-en-anchor", default=True, show_default=True,
              help="OT only: also transport teacher(en) onto student(en), as KD's first term does.")
@click.option("--projection", type=click.Choice(["auto", "ridge", "none"]), default="auto", show_default=True,
              help="Student -> teacher map used by the losses: none when the teacher is the student's base (same "
                   "space), a fitted ridge map otherwise (auto).")
@click.option("--out", "name", default=None,
              help="Artefact name: writes synth/artifacts/encoders/NAME/ (its training log: data/train-logs/NAME.jsonl).")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Or any directory (the training log goes into it).")
@click.option("--threads", type=int, default=2, show_default=True, help="torch CPU threads.")
@click.option("--no-cache", is_flag=True, help="Do not keep the encoded sentences under SYNTH_HOME/distill-cache "
              "(a later run on the same data and models reuses them).")
@click.pass_obj
def distill(settings: Settings, files: tuple[Path, ...], method: str, teacher: str, student: str, reg: float,
            tau: float | None, steps: int, batch_size: int, seed: int, lr: float, lora_rank: int, lora_layers: int,
            max_length: int, split: str, en_anchor: bool, projection: str, name: str | None, out_dir: Path | None,
            threads: int, no_cache: bool) -> None:
    """Distil the teacher into a LoRA adapter on the student (OT, KD or both) and save it as an artefact."""
    from ..artifacts import ENCODERS_DIR
    from ..errors import BadInputError
    from ..index.encoders import load_encoder
    from ..train import bitext
    from ..train.distill import LOG_DIR, artifact_meta, train

    if (name is None) == (out_dir is None):
        raise BadInputError("give exactly one of --out NAME or --out-dir PATH")
    if name is not None and (not name or "/" in name or name.startswith(".")):
        raise BadInputError(f"bad artefact name {name!r}")
    out = out_dir if out_dir is not None else ENCODERS_DIR / name
    # a shipped artefact's log goes to the repository's data/train-logs/ (not package data); any other beside it
    log_dir = out_dir if out_dir is not None else LOG_DIR
    per_file = bitext.load(files, split)  # type: ignore[arg-type]
    pairs = [p for ps in per_file.values() for p in ps]
    _threads(threads)
    if projection == "auto":
        projection = "none" if teacher == student else "ridge"
    s_enc = load_encoder(student, settings)
    t_enc = s_enc if teacher == student else load_encoder(teacher, settings)  # same space: the frozen base itself
    meta = artifact_meta(list(files), split, per_file, teacher, student, t_enc, s_enc,
                         "synth " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    result = train(method, pairs, t_enc, s_enc, steps=steps, reg=reg, seed=seed, lr=lr, batch_size=batch_size,
                   out=out, log_dir=log_dir, tau=tau, progress=not settings.quiet, meta=meta, lora_rank=lora_rank,
                   lora_layers=lora_layers, max_length=max_length, en_anchor=en_anchor, projection=projection,
                   cache_dir=None if no_cache else settings.home / "distill-cache")
    size = sum(f.stat().st_size for f in out.iterdir())
    click.echo(f"{out}\t{method}\tpairs={len(pairs)}\tsteps={steps}\tfinal_loss={result.final_loss:.4f}\t"
               f"seconds={result.seconds:.0f}\tbytes={size}")


@click.group(name="eval")
def eval_group() -> None:
    """Evaluate parts of synth (encoders on bitext or cross-lingual evidence retrieval)."""


@eval_group.command(name="encoders")
@click.option("--task", type=click.Choice(["bitext", "evidence"]), default="bitext", show_default=True,
              help="bitext: find each sentence's translation; evidence: find each field claim's evidence in another "
                   "language (recall@1/@5 with bootstrap 95% intervals, differences against the first encoder).")
@click.option("--bitext", "files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="bitext task: two-column TSV, English first (repeatable). Only the held-out split is used by default.")
@click.option("--claims", "claims_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("data/field_claims/claims.jsonl"), show_default=True,
              help="evidence task: the field claims JSONL (its eval split is used).")
@click.option("--encoders", "names", default="teacher,base,kd,ot", show_default=True,
              help="Comma list: teacher, base, kd, ot, any encoder name, or an artefact directory.")
@click.option("--split", type=click.Choice(["heldout", "all", "train"]), default="heldout", show_default=True,
              help="bitext task: which pairs of each file.")
@click.option("--boot", type=int, default=1000, show_default=True, help="evidence task: bootstrap resamples.")
@click.option("--seed", type=int, default=0, show_default=True, help="evidence task: bootstrap seed.")
@click.option("--json", "as_json", is_flag=True,
              help="A JSON array of {encoder, pair, direction, top1, mrr, n} (evidence: {task, direction, n, "
                   "encoder, recall@k, delta@k} with [value, lo, hi]).")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="bitext task: bar chart (matplotlib).")
@click.option("--threads", type=int, default=2, show_default=True, help="torch CPU threads.")
@click.pass_obj
def eval_encoders(settings: Settings, task: str, files: tuple[Path, ...], claims_file: Path, names: str, split: str,
                  boot: int, seed: int, as_json: bool, png: Path | None, threads: int) -> None:
    """Retrieval quality of encoders: bitext (top-1, MRR per file and direction) or cross-lingual evidence."""
    from ..errors import BadInputError
    from ..train import bitext
    from ..train.evaluate_encoders import (
        ALIASES,
        bar_chart,
        evaluate,
        evaluate_evidence,
        evidence_markdown,
        field_evidence_task,
        markdown,
    )

    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        raise BadInputError("--encoders is empty")

    def loader(name: str):
        def load():
            from ..index.encoders import load_encoder

            return load_encoder(ALIASES.get(name, name), settings)  # names, shipped artefacts and artefact folders

        return load

    say = (lambda m: None) if settings.quiet else (lambda m: click.echo(m, err=True))
    if task == "evidence":
        if files or png is not None:
            raise BadInputError("--bitext and --png are for --task bitext")
        if boot < 1:
            raise BadInputError(f"--boot must be positive, not {boot}")
        field = field_evidence_task(claims_file)
        _threads(threads)
        ev_rows = evaluate_evidence({n: loader(n) for n in wanted}, [field], boot=boot, seed=seed, progress=say)
        click.echo(json.dumps(ev_rows, indent=2) if as_json else evidence_markdown(ev_rows), nl=as_json)
        return
    if not files:
        raise BadInputError("--task bitext needs at least one --bitext file")
    per_file = bitext.load(files, split)  # type: ignore[arg-type]
    empty = [stem for stem, ps in per_file.items() if not ps]
    if empty:
        click.echo(f"no {split} pairs in: {', '.join(empty)}", err=True)
    _threads(threads)
    rows, resources = evaluate({n: loader(n) for n in wanted}, per_file, progress=say)
    if png is not None:
        bar_chart(rows, png)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(markdown(rows, resources), nl=False)
