"""`make test` type-checks workspace/ with mypy, after ruff, with the strictness agreed on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_test_runs_mypy_after_ruff():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "the Makefile has no test target"
    steps = [line.strip() for line in recipe.group(1).splitlines()]
    assert steps[:2] == ["$(BIN)/ruff check .", "$(BIN)/mypy"]


def test_mypy_checks_the_whole_package_and_its_untyped_functions():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["files"] == ["workspace"]
    for option in ("check_untyped_defs", "disallow_untyped_defs", "warn_unused_ignores"):
        assert config[option] is True, option
    assert "plugins" not in config
    ignored = [module for override in config.get("overrides", [])
               if override.get("ignore_missing_imports") for module in override["module"]]
    assert not [module for module in ignored if module.startswith("workspace")]
