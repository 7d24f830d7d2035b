"""The dependency direction of docs/architecture.md ("Layers and dependency direction"), read from the source.

Each package of ``src/kesu`` sits in a layer and imports only from its own layer or below, at module
level or inside a function alike (only imports under ``if TYPE_CHECKING:`` are free). The pure cores
import neither Django nor any app. The few exceptions are listed below with their reason; adding one
is a decision for docs/architecture.md, not a way to make this test pass.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
KESU = SRC / "kesu"

# Bottom first. A package may import from its own layer and the layers before it.
LAYERS: list[set[str]] = [
    {
        "env",
        "periods",
        "textcodec",
        "text",
        "tables",
        "docparse",
        "stats",
        "progress",
        "quiz",
    },  # pure: no Django
    {"core", "regions", "accounts", "messaging"},  # the platform: audit, jobs, pages, scoping, messages
    {"plans"},
    {"reporting"},
    {"indicators"},  # reads reporting's figures for its dashboards
    {"survey"},  # writes its estimates into indicators
    {
        "venues",
        "experts",
        "volunteers",
        "activities",
        "funding",
        "contests",
    },  # registries: count into indicators, link to plan targets
    {"kepustats"},  # the annual 科普统计: pre-filled from every registry, collected as a reporting cycle
]
PURE = LAYERS[0]
# The wiring at the top: it may import anything.
WIRING = {"settings", "test_settings", "urls", "wsgi", "cli", "__main__", "testing", "__init__"}

# (importing module, imported package): why it is allowed to point the other way.
EXCEPTIONS = {
    ("kesu.reporting.actions", "indicators"): "approving a report records its linked target values as "
    "indicator values in the same transaction; imported inside push_indicator_values, never at module level",
}
# Core sits at the bottom of the platform layer: of regions and accounts it may use only what scoping needs,
# in these modules; nothing else in core imports them (and no demo content: see kesu.accounts.demo).
CORE_USES_PLATFORM = {
    "kesu.core.http": "the region a user is looking at (current_region) is a Region",
    "kesu.core.models": "AuditEvent.visible_to scopes by the user's access",
    "kesu.core.navigation": "menu entries depend on the user's access",
    "kesu.core.context_processors": "the region switcher lists regions",
    "kesu.core.views": "the home page and the region switcher",
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. kesu.reporting.actions
    target: str  # the imported module, e.g. kesu.indicators.actions
    line: int
    nested: bool  # inside a function


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_of(package: str) -> int | None:
    for index, layer in enumerate(LAYERS):
        if package in layer:
            return index
    return None


def source_modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(KESU.rglob("*.py")):
        relative = path.relative_to(SRC).with_suffix("")
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        module = ".".join(relative.parts).removesuffix(".__init__")
        yield module, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imports_of(module: str, tree: ast.Module) -> Iterator[Import]:
    type_only = {
        id(node) for block in ast.walk(tree) if _is_type_checking_block(block) for node in ast.walk(block)
    }
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    nested = {id(node) for function in functions for node in ast.walk(function)}
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [node.module] if node.module != "kesu" else [f"kesu.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            yield Import(module, target, node.lineno, id(node) in nested)


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def violations() -> list[str]:
    found = []
    for module, tree in source_modules():
        source = package_of(module)
        if source in WIRING or layer_of(source) is None:
            continue
        for imp in imports_of(module, tree):
            problem = _problem(source, imp)
            if problem:
                found.append(f"{module}:{imp.line} imports {imp.target}: {problem}")
    return found


def _problem(source: str, imp: Import) -> str | None:
    if source in PURE and imp.target.split(".")[0] in {"django", "rest_framework"}:
        return "a pure core imports no Django"
    if not imp.target.startswith("kesu."):
        return None
    target = package_of(imp.target)
    if target == source or target in {"env", "periods", "textcodec", "text", "tables"}:
        return None
    own, theirs = layer_of(source), layer_of(target)
    if own is None or theirs is None:
        return f"{target} is in no layer (add it to LAYERS and docs/architecture.md)"
    if theirs > own:
        if (imp.module, target) in EXCEPTIONS and imp.nested:
            return None
        return f"{source} (layer {own}) may not import {target} (layer {theirs})"
    if source == "core" and target in {"regions", "accounts"} and imp.module not in CORE_USES_PLATFORM:
        return "core does not reach into regions or accounts beyond the scoping modules listed"
    return None


def test_every_import_points_down_the_layers() -> None:
    assert violations() == []


def test_every_package_of_kesu_has_a_layer() -> None:
    packages = {path.name for path in KESU.iterdir() if (path / "__init__.py").exists()}
    packages |= {path.stem for path in KESU.glob("*.py")}
    placed = set().union(*LAYERS) | WIRING
    assert sorted(packages - placed) == []


def test_the_check_notices_an_import_against_the_direction() -> None:
    """Not a test that cannot fail: the same check on a made-up upward import reports it."""
    upward = Import("kesu.reporting.views", "kesu.survey.models", 1, nested=True)
    assert _problem("reporting", upward) == "reporting (layer 3) may not import survey (layer 5)"
    assert _problem("stats", Import("kesu.stats.weighting", "django.db", 1, nested=False))
    lazy_cycle = Import("kesu.reporting.actions", "kesu.indicators.actions", 1, nested=False)
    assert _problem("reporting", lazy_cycle)  # the one exception holds only inside a function
    assert _problem("core", Import("kesu.core.demo", "kesu.regions.models", 1, nested=False))
