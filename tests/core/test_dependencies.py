"""Dependencies are pinned, and what runs is what is pinned.

requirements.lock (pip-compile) and package-lock.json (npm) are the record of what ships. These
tests fail when the installed packages drift from them, when pyproject.toml or package.json ask
for something the lock files don't pin, and when python-socketio is older than 5.16.2.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#\\]+)")
MINIMUM = {"python-socketio": Version("5.16.2")}


def locked_python() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        found = PIN.match(line)
        assert found, f"requirements.lock has an unpinned line: {line!r}"
        pins[canonicalize_name(found.group(1))] = found.group(2)
    return pins


def test_every_locked_python_package_is_installed_at_its_pinned_version():
    drift = []
    for name, pinned in sorted(locked_python().items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            drift.append(f"{name}=={pinned} is not installed")
            continue
        if Version(installed) != Version(pinned):
            drift.append(f"{name}: requirements.lock pins {pinned}, {installed} is installed")
    assert not drift, ("The virtualenv and requirements.lock disagree (run `make install`, or "
                       "`make lock` after editing pyproject.toml):\n  " + "\n  ".join(drift))


def test_the_lock_pins_everything_pyproject_asks_for():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(text) for text in project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        wanted += [Requirement(text) for text in extra]
    pins = locked_python()
    problems = []
    for requirement in wanted:
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement} is not in requirements.lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement}: the lock pins {pinned}")
    assert not problems, "Run `make lock`:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", sorted(MINIMUM))
def test_known_vulnerable_versions_are_excluded(name):
    minimum = MINIMUM[name]
    assert Version(locked_python()[canonicalize_name(name)]) >= minimum
    assert Version(metadata.version(name)) >= minimum


# --- npm ----------------------------------------------------------------------------------------

def package_lock() -> dict:
    return json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))


def test_package_json_pins_exact_versions_that_the_lock_records():
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    root = package_lock()["packages"][""]
    for section in ("dependencies", "devDependencies"):
        for name, version in manifest.get(section, {}).items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), (
                f"package.json: {name} {version!r} is a range; pin an exact version")
            assert root.get(section, {}).get(name) == version, (
                f"package-lock.json is out of date for {name}: run npm install")
            locked = package_lock()["packages"][f"node_modules/{name}"]["version"]
            assert locked == version, f"{name}: package.json says {version}, lock has {locked}"


def test_installed_node_modules_match_package_lock():
    modules = ROOT / "node_modules"
    if not modules.is_dir():
        pytest.skip("node_modules is not installed here (make assets installs it)")
    drift = []
    for path, entry in package_lock()["packages"].items():
        if not path.startswith("node_modules/"):
            continue
        manifest = ROOT / path / "package.json"
        if not manifest.exists():
            if not entry.get("optional"):
                drift.append(f"{path} is missing")
            continue
        installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
        if installed != entry["version"]:
            drift.append(f"{path}: lock {entry['version']}, installed {installed}")
    assert not drift, "node_modules and package-lock.json disagree (run `npm ci`):\n  " + (
        "\n  ".join(drift))


def test_the_vendored_axe_is_the_locked_axe():
    header = (ROOT / "static/vendor/axe/axe.min.js").read_text(encoding="utf-8")[:40]
    locked = package_lock()["packages"]["node_modules/axe-core"]["version"]
    assert f"axe v{locked}" in header, f"static/vendor/axe is stale ({header!r}): make assets"
