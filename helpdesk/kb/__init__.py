"""The knowledge base: guide content, its files, validation and the database store."""
