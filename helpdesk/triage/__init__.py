"""Triage: from a citizen's free-text question to a guide, a "which of these?", or a person.

Pure domain code: no HTTP, no database. It is given a knowledge base and a question.
"""
