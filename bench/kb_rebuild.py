"""How long one knowledge-base rebuild takes after an edit (what every service process does when
the stored guides change).

    python bench/kb_rebuild.py [--rounds 8]

Imports the guide files into a fresh SQLite database, builds the live snapshot once, then adds one
Arabic search phrase per round and times ``refresh(force=True)``: loading the guides and building
the triage engine. Prints CPU seconds (steadier than wall time on a busy machine).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from helpdesk.db import make_engine, migrate, session_scope
from helpdesk.kb.files import load_knowledge_base
from helpdesk.kb.store import import_guides
from helpdesk.triage.live import LiveKnowledgeBase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate(url)
        engine = make_engine(url)
        kb = load_knowledge_base().knowledge_base
        with session_scope(engine) as session:
            import_guides(session, kb.guides)
        live = LiveKnowledgeBase(engine, kb.intents, check_interval=0)
        started = time.process_time()
        live.refresh(force=True)
        print(f"first build: {time.process_time() - started:.2f} s CPU")
        times = []
        for round_ in range(args.rounds):
            guides = [guide.model_copy(deep=True) for guide in kb.guides]
            guides[3].translations["ar"].phrases.append(f"عبارة جديدة {round_}")
            with session_scope(engine) as session:
                import_guides(session, guides)
            started = time.process_time()
            live.refresh(force=True)
            times.append(time.process_time() - started)
        engine.dispose()
    rounded = ", ".join(f"{t:.2f}" for t in times)
    print(
        f"rebuild after a one-phrase edit: median {statistics.median(times):.2f} s CPU ({rounded})"
    )


if __name__ == "__main__":
    main()
