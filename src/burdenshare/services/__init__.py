"""The front door: what the CLI, the REST API, the dashboard and the reports call.

One module per area; every function takes the store's engine (see :mod:`.context`) and plain
arguments, applies the business rules through the pure core, reads and writes through
``store/``, and returns plain data: dicts, lists,
frames. Interfaces only parse their own inputs and render. Errors are
:class:`burdenshare.errors.UserError` with ``field`` naming the input in the core's words
(``samples``, ``mde_value``); the CLI shows it as ``--samples``, the API as a JSON pointer.

* :mod:`.partners`  rank, explain, what-if, compare, robustness (scoring, cached by inputs)
* :mod:`.policies`  list, show, validate
* :mod:`.monitor`   status, crossings, projections, tier changes between releases
* :mod:`.cases`     create, import, list, get, transition, notification, transfers, EEUM
* :mod:`.queue`     the priority queue (and against first-come, first-served), schedule
* :mod:`.metrics`   quarterly case-execution metrics with disclosure control
* :mod:`.audit`     the log and its verification
"""
