"""Contract tests: every route is documented, the message catalog is current and translated."""

import io
import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.app import create_app
from helpdesk.i18n import LOCALES_DIR
from helpdesk.openapi import operation_of
from helpdesk.settings import Settings
from tests.conftest import REPO


def _routes() -> list[Route]:
    app = create_app(Settings(database_url="sqlite:///:memory:"))
    return [r for r in app.routes if isinstance(r, Route)]


def test_every_route_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for route in _routes():
        assert f"{route.path}" in readme, f"{route.path} is not documented in README.md"


def test_every_api_route_declares_its_contract() -> None:
    for route in _routes():
        if route.path.startswith("/api/") and route.path != "/api/v1/openapi.json":
            assert operation_of(route) is not None, route.path


def _extracted_ids() -> set[str | tuple[str, ...]]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ids: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO / "helpdesk"),
        method_map,
        options,
        keywords={"N_": None, "_": None, "gettext": None, "ngettext": (1, 2), "Nn_": (1, 2)},
    ):
        ids.add(message if isinstance(message, str) else tuple(message))
    return ids


def test_pot_is_current() -> None:
    """Run `pybabel extract` (command in babel.cfg) when this fails."""
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        pot_ids = {m.id for m in read_po(handle) if m.id}
    assert pot_ids == _extracted_ids()


def test_every_catalog_translates_every_message() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        pot_ids = {m.id for m in read_po(handle) if m.id}
    for language in LANGUAGES:
        if language == "en":
            continue  # English is the source language
        path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
        catalog = read_po(io.BytesIO(path.read_bytes()), locale=language)
        translated = {m.id for m in catalog if m.id and _all_forms(m.string) and not m.fuzzy}
        assert pot_ids <= translated, (language, sorted(pot_ids - translated)[:3])
        for message in catalog:
            if not message.id:
                continue
            if message.pluralizable:
                assert len(message.string) == catalog.num_plurals, (language, message.id)
            forms = _forms(message.string)
            placeholders = set(re.findall(r"%\(\w+\)\w", _forms(message.id)[-1]))
            # A plural's last form is the general one and holds every parameter; the others
            # may leave the number out where the word says it (Arabic "يومين": two days).
            for placeholder in placeholders:
                assert placeholder in forms[-1], (language, message.id)
            for form in forms:
                unknown = set(re.findall(r"%\(\w+\)\w", form)) - placeholders
                assert not unknown, (language, message.id, form)


def _forms(value: str | tuple[str, ...] | None) -> list[str]:
    if isinstance(value, tuple):
        return list(value)
    return [value or ""]


def _all_forms(value: str | tuple[str, ...] | None) -> bool:
    return all(_forms(value))
