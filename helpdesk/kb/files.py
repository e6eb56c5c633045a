"""Reading (and writing) the guide files under ``helpdesk/kb/``.

Layout: ``guides/<slug>/guide.toml`` plus one ``<lang>.toml`` per language, and
``intents/<name>.toml``. See ``helpdesk/kb/README.md``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from helpdesk import LANGUAGES
from helpdesk.kb.content import Guide, Intent, KnowledgeBase, Translation

KB_DIR = Path(__file__).parent


@dataclass
class LoadResult:
    knowledge_base: KnowledgeBase
    errors: list[str] = field(default_factory=list)


def _format_validation_error(where: str, error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"])
        lines.append(f"{where}: {location or '(file)'}: {item['msg']}")
    return lines


def _read_toml(path: Path, errors: list[str]) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        errors.append(f"{path}: cannot read: {exc}")
        return None


def load_guide_dir(directory: Path, errors: list[str]) -> Guide | None:
    meta = _read_toml(directory / "guide.toml", errors)
    if meta is None:
        return None
    if meta.get("slug") != directory.name:
        errors.append(
            f"{directory / 'guide.toml'}: slug must equal the folder name {directory.name!r}"
        )
    translations: dict[str, Any] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name == "guide.toml":
            continue
        if path.stem not in LANGUAGES:
            errors.append(f"{path}: unknown language file (expected one of {', '.join(LANGUAGES)})")
            continue
        data = _read_toml(path, errors)
        if data is not None:
            translations[path.stem] = data
    try:
        return Guide.model_validate({**meta, "translations": translations})
    except ValidationError as exc:
        errors.extend(_format_validation_error(str(directory), exc))
        return None


def load_knowledge_base(kb_dir: Path = KB_DIR) -> LoadResult:
    """Load every guide and intent; collect readable errors instead of stopping at the first."""
    errors: list[str] = []
    guides = []
    for directory in sorted(p for p in (kb_dir / "guides").iterdir() if p.is_dir()):
        guide = load_guide_dir(directory, errors)
        if guide is not None:
            guides.append(guide)
    intents = load_intents(kb_dir, errors)
    return LoadResult(KnowledgeBase(guides=guides, intents=intents), errors)


def load_intents(kb_dir: Path, errors: list[str]) -> list[Intent]:
    intents = []
    intents_dir = kb_dir / "intents"
    for path in sorted(intents_dir.glob("*.toml")) if intents_dir.is_dir() else []:
        data = _read_toml(path, errors)
        if data is None:
            continue
        try:
            intents.append(Intent.model_validate(data))
        except ValidationError as exc:
            errors.extend(_format_validation_error(str(path), exc))
    return intents


def _toml_scalar(value: Any) -> str:
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")


def guide_file_text(guide: Guide) -> str:
    """``guide.toml`` in the committed style: one line per key, short lists inline."""
    lines = []
    for key, value in guide.model_dump(mode="python", exclude={"translations"}).items():
        if isinstance(value, list):
            text = "[" + ", ".join(_toml_scalar(item) for item in value) + "]"
        else:
            text = _toml_scalar(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def translation_file_text(translation: Translation) -> str:
    """``<lang>.toml`` in the committed style: lists one item a line, then ``[[sources]]``."""
    data = translation.model_dump(mode="python", exclude={"sources"})
    text = tomli_w.dumps(data, indent=2)
    for source in translation.sources:
        text += "\n[[sources]]\n" + tomli_w.dumps(source.model_dump())
    return text


def write_guide_dir(guide: Guide, kb_dir: Path) -> None:
    """Write a guide back in the file format (the inverse of :func:`load_guide_dir`), in the
    style of the committed files, so that an export of unchanged guides is byte for byte the same
    and a change shows in git as the lines that changed. Language files no longer in the guide
    are removed."""
    directory = kb_dir / "guides" / guide.slug
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "guide.toml").write_text(guide_file_text(guide), encoding="utf-8")
    for language, translation in guide.translations.items():
        path = directory / f"{language}.toml"
        path.write_text(translation_file_text(translation), encoding="utf-8")
    for path in directory.glob("*.toml"):
        if path.stem in LANGUAGES and path.stem not in guide.translations:
            path.unlink()
