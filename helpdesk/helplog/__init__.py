"""Session logs: anonymous records of assisted sessions, the raw material of inclusion metrics."""
