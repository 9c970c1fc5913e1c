"""The REST API: a FastAPI app over the service layer (:mod:`burdenshare.services`).

``create_app(settings)`` in :mod:`.app`; one router per resource in :mod:`.routers`; users,
roles, tokens and sessions in :mod:`.auth`; errors as JSON naming the field in :mod:`.errors`;
JSON/CSV lists with cursors in :mod:`.listing`.
"""
