"""Alembic's script directory for the store's schema: ``env.py`` and one file per revision in
``versions/``. Nothing here runs on import; :mod:`scheduler.store.migrate` drives it."""
