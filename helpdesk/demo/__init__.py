"""Demo and benchmark data: made-up places, staff and schedules (:mod:`helpdesk.demo.booking`), and
a year of anonymous session logs and triage events (:mod:`helpdesk.demo.history`).

Not domain logic: these generators sit above the domains and write through their models (and,
for speed, in bulk). ``helpdesk serve --demo`` loads them (:mod:`helpdesk.lifecycle`), and the
benchmarks use the history generator for their scale.
"""
