"""The package's folders are the flow, bottom layer first: a module imports from its own layer or
below, never above. The order lives in LAYERS and nowhere else."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gateway"

# Bottom first. Folders on one line are one layer: they may import each other.
LAYERS: list[tuple[str, ...]] = [
    ("mail", "config", "data"),
    ("judging", "actions"),
    ("state",),
    ("intake", "outgoing"),
    ("deadlines",),
    ("relays",),
    ("service",),
    ("cli",),
]
LAYER_OF = {folder: number for number, folders in enumerate(LAYERS) for folder in folders}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> int | None:
    """The layer of gateway.FOLDER...; None for the package root (gateway, gateway.__main__)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in ("__main__",):
        return None
    if parts[1] not in LAYER_OF:
        raise AssertionError(f"{module}: gateway/{parts[1]} is in no layer; add it to LAYERS in {Path(__file__).name}")
    return LAYER_OF[parts[1]]


def imported(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, module) of every gateway import in the source, relative ones made absolute; an
    import of names from a package counts as an import of each name that is a module of it."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names
                      if (PACKAGE.parent / f"{target}.{alias.name}".replace(".", "/")).exists()
                      or (PACKAGE.parent / (f"{target}.{alias.name}".replace(".", "/") + ".py")).exists()]
    return [(line, name) for line, name in found if name == "gateway" or name.startswith("gateway.")]


def violations(path: Path, source: str | None = None) -> list[str]:
    module = module_name(path)
    own = layer(module)
    if own is None and module != "gateway.__main__":
        return []
    own = len(LAYERS) if own is None else own  # __main__ is the entry point: above everything
    found = []
    for line, target in imported(source if source is not None else path.read_text("utf-8"), module,
                                 path.name == "__init__.py"):
        theirs = layer(target)
        if theirs is not None and theirs > own:
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} (layer {own}, {LAYERS[own][0] if own < len(LAYERS) else 'entry'}) "
                         f"imports {target} (layer {theirs}, {LAYERS[theirs][0]})")
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_imports_only_from_its_layer_or_below():
    found = [v for path in modules() for v in violations(path)]
    assert not found, "imports that go up a layer:\n" + "\n".join(found)


def test_every_folder_of_the_package_is_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(LAYER_OF), f"folders without a layer: {folders - set(LAYER_OF)}; layers without a folder: {set(LAYER_OF) - folders}"
    assert len(modules()) > 40  # the walk found the package


def test_an_import_from_above_is_caught():
    """The check itself: an upward import, absolute or relative, is reported; a downward one is not."""
    path = PACKAGE / "judging" / "classify.py"
    assert violations(path, "from gateway.state import State\n")
    assert violations(path, "from ..service import daemon\n")
    assert violations(path, "from gateway import cli\n")
    assert violations(path, "import gateway.relays.listener\n")
    assert not violations(path, "from gateway.mail.parse import parse_mail\nfrom . import ids\n")
    assert not violations(PACKAGE / "cli" / "__init__.py", "from gateway.service.daemon import Daemon\n")
