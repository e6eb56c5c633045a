"""The ``helpdesk`` command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging.config
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpdesk import LANGUAGES
from helpdesk.logs import logging_config
from helpdesk.settings import Settings, SettingsError

if TYPE_CHECKING:
    from sqlmodel import Session

DEMO_DATABASE_URL = "sqlite:///helpdesk-demo.db"
GRACEFUL_SHUTDOWN_SECONDS = 30


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
    if args.demo:
        if not settings.is_development:
            # The demo's sign-in accounts have published passwords (helpdesk.demo.accounts).
            raise SystemExit("helpdesk: --demo cannot be used with HELPDESK_ENVIRONMENT=production")
        # Demo places, session types, staff, schedules and sign-in accounts (helpdesk.demo).
        settings = replace(settings, demo=True)
    config = logging_config(settings.log_level, settings.log_format)
    logging.config.dictConfig(config)
    server_options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        # uvicorn configures logging (with redaction) in each worker process from this.
        "log_config": config,
        # uvicorn would trust X-Forwarded-For from loopback; the app decides instead, from
        # HELPDESK_TRUSTED_PROXIES (helpdesk.web.client).
        "proxy_headers": False,
        # SIGTERM: stop accepting, let requests in flight finish (up to this), then the
        # lifespan's shutdown writes the queued triage events.
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }
    workers = args.workers or settings.workers
    if workers == 1:
        uvicorn.run(create_app(settings), **server_options)
        return 0
    # Several processes: each builds its app from the environment (helpdesk.app:create_app),
    # so what --demo chose is handed on there. Start-up work and daily jobs coordinate through
    # the database (helpdesk.locks, helpdesk.jobs).
    os.environ["HELPDESK_DATABASE_URL"] = settings.database_url
    os.environ["HELPDESK_DEMO"] = "true" if settings.demo else "false"
    if "HELPDESK_SECRET_KEY" not in os.environ:
        # One key for all workers, or a cookie signed by one would be refused by the others.
        os.environ["HELPDESK_SECRET_KEY"] = settings.secret_key
    # /metrics adds up the workers' counters from files in a fresh directory (helpdesk.telemetry).
    metrics_dir = tempfile.mkdtemp(prefix="helpdesk-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run("helpdesk.app:create_app", factory=True, workers=workers, **server_options)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def cmd_kb_check(args: argparse.Namespace) -> int:
    from helpdesk.kb.files import load_knowledge_base
    from helpdesk.kb.terminology import load_sheets, terminology_warnings
    from helpdesk.kb.validate import check_knowledge_base

    loaded = load_knowledge_base()
    problems = loaded.errors + check_knowledge_base(loaded.knowledge_base)
    for problem in problems:
        print(problem, file=sys.stderr)
    kb = loaded.knowledge_base
    # Terminology is a warning, not a problem: a translator's judgement may differ from the sheet.
    for warning in terminology_warnings(kb, load_sheets()):
        print(f"warning: {warning}", file=sys.stderr)
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
    from helpdesk.db import migrate
    from helpdesk.kb.files import load_knowledge_base
    from helpdesk.lifecycle import import_guide_files, open_database

    settings = _settings()
    loaded = load_knowledge_base()
    if loaded.errors:
        for problem in loaded.errors:
            print(problem, file=sys.stderr)
        return 1
    migrate(settings.database_url)
    report = import_guide_files(open_database(settings), loaded)
    print(json.dumps(report.as_dict()))
    return 0


def cmd_kb_export(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from helpdesk.db import migrate
    from helpdesk.kb.files import load_knowledge_base
    from helpdesk.kb.store import load_guides
    from helpdesk.lifecycle import import_guide_files, open_database

    settings = _settings()
    loaded = load_knowledge_base()
    migrate(settings.database_url)
    engine = open_database(settings)
    if settings.import_kb_on_start:
        # The same import `serve` does at start, so that export shows what the service serves.
        import_guide_files(engine, loaded)
    with Session(engine) as session:
        guides = load_guides(session)
    if args.to:
        from helpdesk.kb.files import KB_DIR, write_guide_dir

        target = Path(args.to)
        for guide in guides:
            write_guide_dir(guide, target)
        # Intents live in the files only; copy them so that DIR is a whole knowledge base.
        (target / "intents").mkdir(parents=True, exist_ok=True)
        for path in sorted((KB_DIR / "intents").glob("*.toml")):
            if path.resolve() != (target / "intents" / path.name).resolve():
                shutil.copyfile(path, target / "intents" / path.name)
        versions = sum(len(g.translations) for g in guides)
        print(json.dumps({"guides": len(guides), "versions": versions, "to": str(target)}))
        return 0
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
        # The crisis answer or referral shown with a hand-off, as the API's "answer".
        "answer": (
            {
                "slug": result.answer,
                "title": guides[result.answer].translation(result.language)[1].title,
            }
            if result.answer is not None
            else None
        ),
    }
    print(json.dumps(output, ensure_ascii=False, indent=2))
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from helpdesk.db import migrate
    from helpdesk.lifecycle import open_database, purge

    settings = _settings()
    migrate(settings.database_url)
    print(json.dumps(purge(settings, open_database(settings))))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from helpdesk.backup import BackupError, backup

    settings = _settings()
    try:
        report = backup(settings.database_url, Path(args.file))
    except BackupError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report.as_dict()))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from helpdesk.backup import BackupError, restore

    settings = _settings()
    if not args.yes:
        print(
            "helpdesk: restore replaces everything in the database with the backup; stop the "
            "service, then run again with --yes",
            file=sys.stderr,
        )
        return 2
    try:
        report = restore(settings.database_url, Path(args.file))
    except BackupError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report.as_dict()))
    return 0


def _accounts_session() -> AbstractContextManager[Session]:
    from helpdesk.db import migrate, session_scope
    from helpdesk.lifecycle import open_database

    settings = _settings()
    migrate(settings.database_url)
    return session_scope(open_database(settings))


def _new_password() -> str:
    """From HELPDESK_PASSWORD when set (scripts), else asked twice without echo."""
    import getpass

    from_env = os.environ.get("HELPDESK_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise SystemExit("helpdesk: set HELPDESK_PASSWORD or run in a terminal to be asked")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise SystemExit("helpdesk: the passwords differ; nothing was changed")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    from helpdesk.accounts.service import AccountError, create_user

    password = _new_password()
    try:
        with _accounts_session() as session:
            user = create_user(session, args.username, args.role, password)
            print(f"user {user.username} ({user.role}) created")
    except AccountError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_user_password(args: argparse.Namespace) -> int:
    from helpdesk.accounts.service import AccountError, set_password

    password = _new_password()
    try:
        with _accounts_session() as session:
            user = set_password(session, args.username, password, keep_tokens=args.keep_tokens)
            ended = "sign-ins have" if args.keep_tokens else "sign-ins and API tokens have"
            print(f"password of {user.username} changed; their {ended} ended")
    except AccountError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_user_active(args: argparse.Namespace) -> int:
    from helpdesk.accounts.service import AccountError, set_active

    try:
        with _accounts_session() as session:
            user = set_active(session, args.username, args.active)
            state = "activated" if user.active else "deactivated (sign-ins and tokens stop)"
            print(f"user {user.username} {state}")
    except AccountError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from helpdesk.accounts.service import AccountError, unlock

    try:
        with _accounts_session() as session:
            count = unlock(session, args.username)
    except AccountError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 1
    print(f"{count} failed sign-in(s) of {args.username} forgotten; the account can sign in again")
    return 0


def cmd_user_places(args: argparse.Namespace) -> int:
    from helpdesk.accounts.service import AccountError, get_user
    from helpdesk.booking.places import set_account_places

    if bool(args.all) == bool(args.places):
        print("helpdesk: give the places (slugs) or --all", file=sys.stderr)
        return 2
    with _accounts_session() as session:
        user = get_user(session, args.username)
        if user is None or user.id is None:
            print(f"helpdesk: there is no user called {args.username!r}", file=sys.stderr)
            return 1
        try:
            slugs = [] if args.all else args.places
            places = set_account_places(session, user.id, slugs)
        except (AccountError, ValueError) as exc:
            print(f"helpdesk: {exc}", file=sys.stderr)
            return 1
    if places:
        print(f"{args.username} now sees bookings only at: {', '.join(places)}")
    else:
        print(f"{args.username} sees bookings at every place")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from helpdesk.accounts.models import User

    with _accounts_session() as session:
        for user in session.exec(select(User).order_by(col(User.username))).all():
            state = "active" if user.active else "inactive"
            print(f"{user.username}\t{user.role}\t{state}")
    return 0


def cmd_admin_import_places(args: argparse.Namespace) -> int:
    from helpdesk.booking.admin import AdminContext
    from helpdesk.booking.notify import notify_affected
    from helpdesk.booking.places_import import ImportFailed, import_places
    from helpdesk.db import migrate, session_scope
    from helpdesk.lifecycle import open_database

    settings = _settings()
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"helpdesk: cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    migrate(settings.database_url)
    context = AdminContext(actor=args.actor, settings=settings)
    try:
        with session_scope(open_database(settings)) as session:
            report = import_places(session, context, text)
    except ImportFailed as failed:
        for problem in failed.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print("helpdesk: nothing was imported", file=sys.stderr)
        return 1
    notify_affected(settings, report.affected)
    print(json.dumps(report.as_dict()))
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from helpdesk.accounts.service import AccountError, create_token

    try:
        with _accounts_session() as session:
            lifetime = dt.timedelta(days=_settings().token_lifetime_days)
            token, _record = create_token(session, args.username, args.label or "", lifetime)
    except AccountError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 1
    # The token alone on stdout (scripts capture it); it is not stored and not shown again.
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from helpdesk.accounts.service import list_tokens

    with _accounts_session() as session:
        for token, user in list_tokens(session, args.username):
            state = "revoked" if token.revoked_at else "active"
            used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "-"
            print(f"{token.prefix}…\t{user.username}\t{state}\tlast used {used}\t{token.label}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from helpdesk.accounts.service import AccountError, revoke_tokens

    token = None
    if args.stdin:
        token = sys.stdin.readline().strip()
    try:
        with _accounts_session() as session:
            count = revoke_tokens(
                session,
                token=token,
                prefix=args.prefix.rstrip("…") if args.prefix else None,
                username=args.all_of,
            )
    except AccountError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 1
    print(f"{count} token(s) revoked")
    return 0 if count else 1


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpdesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web service (applies migrations first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        help="worker processes (default HELPDESK_WORKERS, else 1); migrations and daily jobs "
        "still run once",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="use helpdesk-demo.db (unless HELPDESK_DATABASE_URL is set) with demo data and "
        "the demo sign-in accounts (development only)",
    )
    serve.set_defaults(func=cmd_serve)

    kb = commands.add_parser("kb", help="knowledge-base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    kb_commands.add_parser("check", help="validate the guide files").set_defaults(func=cmd_kb_check)
    kb_commands.add_parser("import", help="import the guide files into the database").set_defaults(
        func=cmd_kb_import
    )
    kb_export = kb_commands.add_parser(
        "export",
        help="print all guides in all languages as JSON (with search phrases), or write them as "
        "guide files with --to",
    )
    kb_export.add_argument(
        "--to",
        metavar="DIR",
        help="write the live knowledge base (from the database) as guide files under DIR "
        "(DIR/guides/<slug>/<lang>.toml, DIR/intents); DIR may be helpdesk/kb itself",
    )
    kb_export.set_defaults(func=cmd_kb_export)

    triage = commands.add_parser("triage", help="triage one question and print the result")
    triage.add_argument("text")
    triage.add_argument("--lang", choices=LANGUAGES, help="the UI language (a hint)")
    triage.set_defaults(func=cmd_triage)

    purge = commands.add_parser("purge", help="delete personal data past its retention period")
    purge.set_defaults(func=cmd_purge)

    backup = commands.add_parser(
        "backup",
        help="write a backup of the whole database to FILE (SQLite's online backup; pg_dump)",
    )
    backup.add_argument("file", metavar="FILE")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser(
        "restore",
        help="replace the database's contents with a backup, then migrate (stop the service)",
    )
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--yes", action="store_true", help="yes, replace everything")
    restore.set_defaults(func=cmd_restore)

    from helpdesk.accounts.roles import ROLES

    user = commands.add_parser("user", help="staff accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    user_add = user_commands.add_parser(
        "add", help="create an account (password from a prompt, or HELPDESK_PASSWORD)"
    )
    user_add.add_argument("username")
    user_add.add_argument("--role", choices=ROLES, required=True)
    user_add.set_defaults(func=cmd_user_add)
    user_password = user_commands.add_parser(
        "password", help="set a new password (ends the user's sign-ins)"
    )
    user_password.add_argument("username")
    user_password.add_argument(
        "--keep-tokens",
        action="store_true",
        help="keep the user's API tokens working (by default a new password revokes them)",
    )
    user_password.set_defaults(func=cmd_user_password)
    user_unlock = user_commands.add_parser(
        "unlock", help="forget the user's failed sign-ins (lifts every sign-in lock on them)"
    )
    user_unlock.add_argument("username")
    user_unlock.set_defaults(func=cmd_user_unlock)
    user_places = user_commands.add_parser(
        "places", help="limit which places' bookings (names, phones) an account may see"
    )
    user_places.add_argument("username")
    user_places.add_argument("places", nargs="*", metavar="PLACE", help="place slugs (dokk1 ...)")
    user_places.add_argument("--all", action="store_true", help="every place (no limit)")
    user_places.set_defaults(func=cmd_user_places)
    for name, active, text in (
        ("deactivate", False, "stop an account (sign-ins and tokens)"),
        ("activate", True, "let a deactivated account sign in again"),
    ):
        parser_ = user_commands.add_parser(name, help=text)
        parser_.add_argument("username")
        parser_.set_defaults(func=cmd_user_active, active=active)
    user_commands.add_parser("list", help="list the accounts").set_defaults(func=cmd_user_list)

    admin = commands.add_parser("admin", help="administration: places and opening hours")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    import_places = admin_commands.add_parser(
        "import-places",
        help="import places and opening hours from a CSV file (docs/places-example.csv); "
        "nothing is imported if a row is bad",
    )
    import_places.add_argument("file", help="the CSV file (UTF-8)")
    import_places.add_argument(
        "--actor", default="import", help="the name the audit log records (default: import)"
    )
    import_places.set_defaults(func=cmd_admin_import_places)

    token = commands.add_parser("token", help="API bearer tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    token_create = token_commands.add_parser(
        "create", help="make a token for a user and print it alone on stdout (shown once)"
    )
    token_create.add_argument("username")
    token_create.add_argument("--label", help="what the token is for (shown in listings)")
    token_create.set_defaults(func=cmd_token_create)
    token_list = token_commands.add_parser("list", help="list tokens (prefixes only)")
    token_list.add_argument("--user", dest="username")
    token_list.set_defaults(func=cmd_token_list)
    token_revoke = token_commands.add_parser("revoke", help="revoke tokens")
    which = token_revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--prefix", help="the prefix shown by 'token list' (e.g. hd_AbCdEfG)")
    which.add_argument(
        "--stdin", action="store_true", help="read the whole token from standard input"
    )
    which.add_argument("--all-of", metavar="USERNAME", help="every token of this user")
    token_revoke.set_defaults(func=cmd_token_revoke)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
