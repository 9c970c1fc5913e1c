"""The fact store: SQLAlchemy models, engine set-up with Alembic migrations, repositories.

SQLite (a file in the user's data directory) is the embedded default; PostgreSQL is used
when a ``postgresql+psycopg://`` URL is given by ``--db`` or ``BURDENSHARE_DB``.
"""
