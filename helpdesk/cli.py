"""The ``helpdesk`` command line."""

from __future__ import annotations

import argparse
import json
import logging.config
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from helpdesk import LANGUAGES
from helpdesk.logs import logging_config
from helpdesk.settings import Settings, SettingsError

DEMO_DATABASE_URL = "sqlite:///helpdesk-demo.db"


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"helpdesk: configuration error: {exc}") from exc


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from helpdesk.app import create_app
    from helpdesk.settings import normalise_database_url

    settings = _settings()
    if args.demo and "HELPDESK_DATABASE_URL" not in os.environ:
        settings = replace(settings, database_url=normalise_database_url(DEMO_DATABASE_URL))
    config = logging_config(settings.log_level)
    logging.config.dictConfig(config)
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_config=config, proxy_headers=True)
    return 0


def cmd_kb_check(args: argparse.Namespace) -> int:
    from helpdesk.kb.files import load_knowledge_base
    from helpdesk.kb.validate import check_knowledge_base

    loaded = load_knowledge_base()
    problems = loaded.errors + check_knowledge_base(loaded.knowledge_base)
    for problem in problems:
        print(problem, file=sys.stderr)
    kb = loaded.knowledge_base
    versions = sum(len(g.translations) for g in kb.guides)
    if problems:
        print(f"kb check: {len(problems)} problem(s) in {len(kb.guides)} guides", file=sys.stderr)
        return 1
    print(
        f"kb check: ok ({len(kb.guides)} guides, {versions} language versions, "
        f"{len(kb.intents)} intents)"
    )
    return 0


def cmd_kb_import(args: argparse.Namespace) -> int:
    from helpdesk.db import make_engine, migrate, session_scope
    from helpdesk.kb.files import load_knowledge_base
    from helpdesk.kb.store import import_guides_safely

    settings = _settings()
    loaded = load_knowledge_base()
    if loaded.errors:
        for problem in loaded.errors:
            print(problem, file=sys.stderr)
        return 1
    migrate(settings.database_url)
    with session_scope(make_engine(settings.database_url)) as session:
        report = import_guides_safely(session, loaded.knowledge_base.guides)
    print(json.dumps(report.as_dict()))
    return 0


def cmd_kb_export(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from helpdesk.db import make_engine, migrate, session_scope
    from helpdesk.kb.files import load_knowledge_base
    from helpdesk.kb.store import import_guides_safely, load_guides

    settings = _settings()
    loaded = load_knowledge_base()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    if settings.import_kb_on_start:
        # The same import `serve` does at start, so that export shows what the service serves.
        with session_scope(engine) as session:
            import_guides_safely(session, loaded.knowledge_base.guides)
    with Session(engine) as session:
        guides = load_guides(session)
    document = {
        "guides": [guide.model_dump(mode="json") for guide in guides],
        "intents": [intent.model_dump(mode="json") for intent in loaded.knowledge_base.intents],
    }
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_triage(args: argparse.Namespace) -> int:
    from helpdesk.kb.files import load_knowledge_base
    from helpdesk.triage.engine import TriageEngine
    from helpdesk.triage.messages import triage_message

    kb = load_knowledge_base().knowledge_base
    guides = kb.by_slug()
    result = TriageEngine(kb).triage(args.text, args.lang)
    output = {
        "outcome": result.outcome,
        "reason": result.reason,
        "language": result.language,
        "language_confidence": round(result.language_confidence, 3),
        "matches": [
            {
                "slug": m.slug,
                "title": guides[m.slug].translation(result.language)[1].title,
                "score": m.score,
            }
            for m in result.matches
        ],
        "message": triage_message(result, result.language),
        "offer_person": result.offer_person,
    }
    print(json.dumps(output, ensure_ascii=False, indent=2))
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from helpdesk.db import make_engine, migrate, session_scope
    from helpdesk.events.service import purge_questions

    settings = _settings()
    migrate(settings.database_url)
    with session_scope(make_engine(settings.database_url)) as session:
        purged = purge_questions(session, settings.question_retention_days)
    print(json.dumps({"question_texts_cleared": purged}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpdesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web service (applies migrations first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="use helpdesk-demo.db (unless HELPDESK_DATABASE_URL is set) with demo data",
    )
    serve.set_defaults(func=cmd_serve)

    kb = commands.add_parser("kb", help="knowledge-base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    kb_commands.add_parser("check", help="validate the guide files").set_defaults(func=cmd_kb_check)
    kb_commands.add_parser("import", help="import the guide files into the database").set_defaults(
        func=cmd_kb_import
    )
    kb_commands.add_parser(
        "export", help="print all guides in all languages as JSON (with search phrases)"
    ).set_defaults(func=cmd_kb_export)

    triage = commands.add_parser("triage", help="triage one question and print the result")
    triage.add_argument("text")
    triage.add_argument("--lang", choices=LANGUAGES, help="the UI language (a hint)")
    triage.set_defaults(func=cmd_triage)

    purge = commands.add_parser("purge", help="delete personal data past its retention period")
    purge.set_defaults(func=cmd_purge)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
