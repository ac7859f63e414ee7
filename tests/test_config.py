"""Settings: grouped, every field described, each environment variable read into its group."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth.config import Settings, settings_fields

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_has_a_description_and_a_distinct_variable() -> None:
    fields = list(settings_fields())
    assert len(fields) > 20 and {p[0] for p, _ in fields} >= {"arxiv", "http", "limits", "encoder", "ann", "verifier"}
    assert all(len(f.metadata["help"]) > 10 for _, f in fields)
    envs = [f.metadata["env"] for _, f in fields if f.metadata["env"]]
    assert len(envs) == len(set(envs))


def test_the_readme_names_every_variable() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [f.metadata["env"] for _, f in settings_fields() if f.metadata["env"] and f.metadata["env"] not in text]
    assert not missing


def test_variables_land_in_their_group_with_their_type() -> None:
    env = {"SYNTH_ENCODER_PRECISION": "fp32", "SYNTH_ARXIV_DELAY": "0.5", "SYNTH_MAX_PDF_PAGES": "7",
           "SYNTH_VERIFIER_ABSTAIN": "0", "SYNTH_DB": "~/x.db"}  # fmt: skip
    s = Settings.from_env(env)
    assert s.encoder.precision == "fp32" and s.arxiv.delay_seconds == 0.5 and s.limits.max_pdf_pages == 7
    assert s.verifier.abstain is False and s.db == Path("~/x.db").expanduser()
    assert Settings().encoder.precision == "auto"  # defaults are not shared between objects


def test_overrides_by_group_name_win_over_the_environment_and_leave_the_original_alone() -> None:
    base = Settings.from_env({"SYNTH_VERIFIER_MODEL": "features"}, db="a.db")
    assert base.verifier.model == "features" and base.db == Path("a.db")
    other = base.replace(verifier_model="cross", ann_min_passages="5", quiet=None)
    assert (other.verifier.model, other.ann.min_passages, base.verifier.model) == ("cross", 5, "features")
    with pytest.raises(TypeError, match="unknown setting"):
        base.replace(verifier="cross")
