"""The line between the web and the domain, and the README's module map, held by tests.

Domain packages (every package under ``helpdesk/`` except the web layer and the migrations)
must not import Starlette or the web layer: they are called by routes, the CLI and the tests
alike. Every package imports only the packages its row of the README's module map allows. The
checks read the source with :mod:`ast`, so an import inside a function counts too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import helpdesk
from tests.conftest import REPO

PACKAGE_DIR = Path(helpdesk.__file__).parent
#: The packages that may speak HTTP; every other package is a domain (so a new one is checked).
WEB_PACKAGES = frozenset({"web", "routes"})
#: Alembic's package: it imports the models, nothing imports it.
NOT_DOMAIN = WEB_PACKAGES | {"migrations"}
FORBIDDEN = ("starlette", "helpdesk.web", "helpdesk.routes")


def domain_packages() -> list[str]:
    return sorted(
        path.parent.name
        for path in PACKAGE_DIR.glob("*/__init__.py")
        if path.parent.name not in NOT_DOMAIN
    )


def imported_modules(source: str, package: str) -> list[str]:
    """Every module an import statement in ``source`` names; relative imports are resolved
    against ``package``, the package the source file is in.

    ``from helpdesk import web`` names ``helpdesk.web``: each imported name is counted as a
    possible submodule, so that spelling cannot slip past.
    """
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names)
    return names


def forbidden_imports(source: str, package: str) -> list[str]:
    """The imports in ``source`` (a file in ``package``) that a domain module may not make."""
    return sorted(
        {
            name
            for name in imported_modules(source, package)
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
        }
    )


def test_the_checker_catches_every_spelling_of_a_web_import() -> None:
    package = "helpdesk.booking"
    assert forbidden_imports("import starlette.requests\n", package) == ["starlette.requests"]
    assert "starlette.responses" in forbidden_imports(
        "from starlette.responses import Response\n", package
    )
    assert "helpdesk.web" in forbidden_imports("from helpdesk import web\n", package)
    assert "helpdesk.web.access" in forbidden_imports("from ..web.access import ROLES\n", package)
    nested = "def f():\n    from helpdesk.routes.api import guide_detail\n"
    assert "helpdesk.routes.api" in forbidden_imports(nested, package)
    # Near misses are allowed: a domain's own module, or a name that only starts alike.
    assert forbidden_imports("from helpdesk.webhooks import x\nimport starlettes\n", package) == []
    assert forbidden_imports("from helpdesk.booking.models import Booking\n", package) == []


def test_every_domain_package_is_checked() -> None:
    domains = domain_packages()
    for known in ("accounts", "booking", "demo", "events", "helplog", "kb", "metrics", "triage"):
        assert known in domains


def test_no_domain_package_imports_the_web_layer() -> None:
    problems = []
    for package in domain_packages():
        for path in sorted((PACKAGE_DIR / package).rglob("*.py")):
            relative = path.relative_to(PACKAGE_DIR.parent)
            package = ".".join(relative.parent.parts)
            problems.extend(
                f"{relative}: imports {name}"
                for name in forbidden_imports(path.read_text(encoding="utf-8"), package)
            )
    assert problems == []


#: The top-level modules that wire the domains together; no domain may import them.
WIRING = ("helpdesk.app", "helpdesk.cli", "helpdesk.lifecycle", "helpdesk.models")


def helpdesk_packages() -> list[str]:
    return sorted(path.parent.name for path in PACKAGE_DIR.glob("*/__init__.py"))


def package_imports(package: str) -> set[str]:
    """The modules under ``helpdesk`` that the package's files import (its own left out)."""
    found: set[str] = set()
    for path in (PACKAGE_DIR / package).rglob("*.py"):
        relative = path.relative_to(PACKAGE_DIR.parent)
        source = path.read_text(encoding="utf-8")
        for name in imported_modules(source, ".".join(relative.parent.parts)):
            parts = name.split(".")
            if parts[0] == "helpdesk" and len(parts) > 1 and parts[1] != package:
                found.add(".".join(parts[:2]))
    return found


def module_map(readme: str) -> dict[str, set[str]]:
    """The README's module map: each package and the packages it may import."""
    section = readme.split("\n### Module map\n", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `helpdesk\.([a-z_]+)` \|[^|]*\| ([^|]*) \|$", section, re.MULTILINE)
    return {package: set(re.findall(r"`([a-z_]+)`", allowed)) for package, allowed in rows}


def test_the_module_map_reader_sees_a_row() -> None:
    readme = (
        "\n### Module map\n\n| package | owns | may import |\n| --- | --- | --- |\n"
        "| `helpdesk.kb` | guides, `content.py` | `triage`, `events` (the workshop) |\n"
        "| `helpdesk.accounts` | accounts | — |\n\n### Next\n| `helpdesk.x` | y | `z` |\n"
    )
    assert module_map(readme) == {"kb": {"triage", "events"}, "accounts": set()}


def test_every_package_imports_only_what_the_readme_module_map_allows() -> None:
    allowed = module_map((REPO / "README.md").read_text(encoding="utf-8"))
    packages = [p for p in helpdesk_packages() if p != "migrations"]
    assert set(packages) - set(allowed) == set(), "packages missing from the README module map"
    problems = []
    for package in packages:
        subpackages = {
            name for name in package_imports(package) if name.removeprefix("helpdesk.") in packages
        }
        extra = {name.removeprefix("helpdesk.") for name in subpackages} - allowed[package]
        if extra:
            problems.append(f"helpdesk.{package} imports {sorted(extra)}, not in its row")
    assert problems == []


def test_the_packages_import_each_other_without_a_cycle() -> None:
    packages = [p for p in helpdesk_packages() if p != "migrations"]
    graph = {
        package: {
            name.removeprefix("helpdesk.")
            for name in package_imports(package)
            if name.removeprefix("helpdesk.") in packages
        }
        for package in packages
    }
    cycles = []
    for start in packages:
        # Depth-first from each package: a path back to it is a cycle.
        stack = [(start, [start])]
        while stack:
            package, path = stack.pop()
            for following in sorted(graph[package]):
                if following == start:
                    cycles.append(" -> ".join([*path, start]))
                elif following not in path:
                    stack.append((following, [*path, following]))
    assert cycles == []


def test_no_domain_imports_the_wiring() -> None:
    problems = [
        f"helpdesk.{package} imports {name}"
        for package in domain_packages()
        for name in sorted(package_imports(package))
        if name in WIRING
    ]
    assert problems == []
