"""The database: schema, engines, migrations, writes (imports) and viewer-scoped reads."""
