"""The package layers import one way only (README, "Architecture").

Each layer may import the layers listed for it and nothing else of the
project; ``server`` may import ``kg`` and ``kg`` never imports ``server``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# layer -> the project packages it may import (besides itself)
ALLOWED = {
    "kg.model": set(),
    "kg.storage": {"kg.model"},
    "kg.authoring": {"kg.model", "kg.storage"},
    "kg.views": {"kg.model", "kg.storage"},
    "kg.publish": {"kg.model", "kg.storage"},
    "kg.cli": {"kg.model", "kg.storage", "kg.authoring", "kg.views", "kg.publish"},
    "server": {"kg.model", "kg.storage", "kg.authoring", "kg.views", "kg.publish", "kg"},
}


def layer_of(module: str) -> str | None:
    """The layer a dotted module name belongs to (longest match)."""
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    if module == "kg" or module.startswith("kg."):
        return "kg"
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
            found += [(node.lineno, f"{mod}.{alias.name}") for alias in node.names]
    return found


def sources() -> list[Path]:
    return sorted(p for d in ("kg", "server") for p in (ROOT / d).rglob("*.py"))


def test_layering_rules_cover_every_module():
    """Every module of kg lives in a declared layer (no flat kg/*.py left)."""
    stray = [module_name(p) for p in sources()
             if layer_of(module_name(p)) == "kg" and module_name(p) not in ("kg", "kg.__main__")]
    assert stray == []


def violations(path: Path, module: str) -> list[str]:
    me = layer_of(module)
    wrong = []
    for line, mod in imported(path, module):
        other = layer_of(mod)
        if other is None or other == me:
            continue
        if other == "kg" and me in ("kg", "kg.cli", "server"):
            continue  # the package root (``from kg import ...`` of a layer is resolved below)
        if other not in ALLOWED.get(me, set()) and not (me == "kg" and other == "kg.cli"):
            wrong.append(f"{path.name}:{line} ({me}) imports {mod} ({other})")
    return wrong


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_flow_downward(path):
    wrong = violations(path, module_name(path))
    assert wrong == [], "\n".join(wrong)


def test_layer_check_catches_upward_imports(tmp_path):
    """The rule itself: a model module importing views, or a relative import
    climbing into storage from model, is reported."""
    probe = tmp_path / "probe.py"
    probe.write_text("from kg.views.search import x\nfrom ..storage import store\nimport rdflib\n")
    wrong = violations(probe, "kg.model.probe")
    text = "\n".join(wrong)
    assert "probe.py:1 (kg.model) imports kg.views.search" in text
    assert "probe.py:2 (kg.model) imports kg.storage" in text
    assert "rdflib" not in text
