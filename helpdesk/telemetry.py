"""The service's Prometheus metrics (``prometheus-client``), served at ``/metrics``.

Defined in one place and counted where things happen: HTTP requests by route template
(:mod:`helpdesk.web.metrics`), triage outcomes (the event writer), bookings made, cancelled and
refused (the booking service), runs of the daily jobs, and the knowledge-base generation each
process serves. No label ever holds what a citizen typed: routes are templates, outcomes and
refusal reasons are fixed codes.

With several worker processes (``helpdesk serve --workers N``) each process writes its values
to files in ``PROMETHEUS_MULTIPROC_DIR`` (the command makes a fresh one), and ``/metrics``
adds them up, whichever worker answers.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

__all__ = ["CONTENT_TYPE_LATEST", "exposition", "process_stopped"]

REQUESTS = Counter(
    "helpdesk_http_requests_total",
    "HTTP requests answered, by method, route template and status code",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "helpdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TRIAGE = Counter(
    "helpdesk_triage_total",
    "Triage answers by outcome (guide, clarify, human) and reason",
    ["outcome", "reason"],
)
TRIAGE_ANSWERS = Counter(
    "helpdesk_triage_answers_total",
    "Triage answers the engine worked out (new) or took from its recent answers (reused)",
    ["source"],
)
TRIAGE_EVENTS_LOST = Counter(
    "helpdesk_triage_events_lost_total",
    "Triage events not written: dropped from a full queue, or their write failed",
    ["why"],
)
BOOKINGS = Counter(
    "helpdesk_bookings_total",
    "Bookings made, cancelled and refused (with the refusal's error code)",
    ["result", "code"],
)
JOB_RUNS = Counter(
    "helpdesk_job_runs_total", "Runs of the periodic jobs, by job and result", ["job", "result"]
)
KB_GENERATION = Gauge(
    "helpdesk_kb_generation",
    "The knowledge-base generation this process serves (the highest of all processes)",
    multiprocess_mode="max",
)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition() -> bytes:
    """The text format of every metric, summed over the worker processes when there are
    several."""
    if multiprocess():
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_stopped() -> None:
    """At a worker's shutdown: its live gauges no longer count."""
    if multiprocess():
        _multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
