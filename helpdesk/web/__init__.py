"""Server-rendered pages: templating, locale and page-level access control."""
