"""Arms-sale cases: life cycle, congressional notification, end-use monitoring, third-party
transfers, audit log, quarterly metrics (plus the catalog, queue and schedule).

Pure rules live in ``model``, ``lifecycle``, ``notification``, ``eeum``, ``transfers``,
``audit`` and ``metrics``; file import in ``importer``; synthetic data in ``synthetic``. Store
access (all SQL) is in :mod:`burdenshare.store.cases` and :mod:`burdenshare.store.catalog`.
Import the submodule you need; this package imports nothing heavy on its own.
"""
