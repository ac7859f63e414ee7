"""The tree reads as the pipeline (docs/architecture.md): imports only go down the layers, the product never reaches
the training code, functions stay short, and a question run goes through its stages once each, in order."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import corpus_builder as cb
from test_imports import SYNTH, import_graph

from synth.index.encoders.base import HashingEncoder
from synth.store import Store

ROOT = SYNTH.parent
# Lowest first: a module may import its own layer and the ones below it, never one above.
LAYERS = [
    ("synth", "synth.config", "synth.errors", "synth.artifacts"),
    ("synth.store",),
    ("synth.ingest",),
    ("synth.index",),
    ("synth.judge",),
    ("synth.report",),
    ("synth.commands", "synth.cli"),
]
TRAIN = "synth.train"
STAGES = ["rank", "choose_papers", "select_claims", "judge", "group_findings"]
MAX_LINES = 60


def layer(module: str) -> int | None:
    """The layer of a module (the longest matching prefix wins); None for the training package."""
    if module == TRAIN or module.startswith(TRAIN + "."):
        return None
    best, found = -1, None
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, found = len(p), i
    assert found is not None, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return found


def test_every_module_has_a_layer_and_imports_only_downwards() -> None:
    graph = import_graph()
    climbs = []
    for src, targets in graph.items():
        here = layer(src)
        for dst in targets:
            there = layer(dst)
            if here is not None and there is not None and there > here:
                climbs.append(f"{src} -> {dst}")
    assert not climbs, climbs


def test_the_product_never_imports_training_code() -> None:
    graph = import_graph()
    product = [m for m in graph if layer(m) is not None and m not in ("synth.cli", "synth.commands.encoders")]
    leaks = sorted(f"{m} -> {t}" for m in product for t in graph[m] if layer(t) is None)
    assert not leaks, leaks
    # what `synth fetch/add/verify/report` run, followed through every import (lazy ones too)
    reached, todo = set(), [f"synth.commands.{c}" for c in ("fetch", "add", "verify", "report", "index", "papers")]
    while todo:
        m = todo.pop()
        if m not in reached:
            reached.add(m)
            todo.extend(graph[m])
    assert "synth.judge.verifier.cross" in reached and "synth.index.encoders.lora" in reached
    assert not [m for m in reached if layer(m) is None]


def test_training_logs_are_not_package_data() -> None:
    assert not list((SYNTH / "artifacts").rglob("*.jsonl"))
    assert "jsonl" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("[tool.setuptools.package-data]")[1]


def test_no_function_in_the_product_is_longer_than_60_lines() -> None:
    long = []
    for path in sorted(SYNTH.rglob("*.py")):
        if (SYNTH / "train") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if n > MAX_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, long


def test_the_architecture_page_names_every_package() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = sorted(p.parent.relative_to(ROOT).as_posix() for p in SYNTH.rglob("__init__.py"))
    missing = [p for p in packages if p != "synth" and f"{p.removeprefix('synth/')}/" not in page]
    assert not missing, missing
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/architecture.md" in readme


def _trace_question(tmp_path: Path) -> list[tuple[str, str, str]]:
    """(stage, module, function) of every call a question run's stages make into other synth modules, in order."""
    from synth.judge import question

    calls: list[tuple[str, str, str]] = []

    def profile(frame, event, arg):  # noqa: ANN001
        caller = frame.f_back
        while caller is not None and caller.f_code.co_name.startswith("<"):  # a comprehension or lambda of a stage
            caller = caller.f_back
        if event != "call" or caller is None or caller.f_globals.get("__name__") != question.__name__:
            return
        stage = caller.f_code.co_name
        module = frame.f_globals.get("__name__", "")
        if stage in STAGES and module.startswith("synth.") and module != question.__name__:
            calls.append((stage, module, frame.f_code.co_name))

    store = cb.build(Store(tmp_path / "x.db"))
    sys.setprofile(profile)
    try:
        question.verify_question(store, "Does optimal transport distillation improve cross-lingual retrieval for low-resource languages?",
                                 HashingEncoder(), cb.OverlapVerifier())  # fmt: skip
    finally:
        sys.setprofile(None)
    assert store.run_claims(1), "the traced run judged no claims"
    return calls


def test_a_question_run_enters_each_stage_once_in_order_through_public_names(tmp_path: Path) -> None:
    calls = _trace_question(tmp_path)
    stages = [s for i, (s, _, _) in enumerate(calls) if i == 0 or calls[i - 1][0] != s]
    assert stages == STAGES
    # a stage uses the other modules' public functions only, never their internals
    assert not [c for c in calls if c[2].startswith("_") and c[2] not in ("__init__", "__len__", "__iter__")]
    modules = {s: {m for st, m, _ in calls if st == s} for s in STAGES}
    assert "synth.judge.relevance" in modules["choose_papers"] and "synth.judge.extract" in modules["select_claims"]
    assert "synth.judge.run" in modules["judge"] and "synth.judge.findings" in modules["group_findings"]
    assert not any("synth.judge.findings" in modules[s] for s in STAGES[:-1])
