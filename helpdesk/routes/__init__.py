"""HTTP endpoints, kept thin: parse, call the domain, shape the answer."""
