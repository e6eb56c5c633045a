"""Logging configuration: every handler redacts personal data (CPR numbers, phones, e-mails)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from helpdesk.privacy import redact_personal_data


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, process, message and any traceback.
    The message and the traceback are redacted here as well, so that no handler can leak
    personal data through this format (a traceback holds SQL parameters, say)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": redact_personal_data(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = redact_personal_data(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact_personal_data(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)


def logging_config(level: str = "INFO", log_format: str = "plain") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the service, given to uvicorn as its log config;
    ``log_format`` "plain" (lines for people) or "json" (one object a line, for collectors)."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": log_format,
        "filters": ["redact"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "helpdesk.privacy.RedactingFilter"}},
        # The process id tells the workers of `helpdesk serve --workers N` apart.
        "formatters": {
            "plain": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"},
            "json": {"()": "helpdesk.logs.JsonFormatter"},
        },
        "handlers": {"default": handler},
        "loggers": {
            "": {"handlers": ["default"], "level": level},
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }
