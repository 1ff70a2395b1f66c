"""The planning service: users and roles, a job queue run by worker processes, an HTTP API and pages.

``aggregates serve`` starts it (:func:`aggregates.service.server.serve`): the schema is migrated
to the newest version (Alembic), worker processes claim queued jobs from the database and run each
in a child process over the same public API as the command line, and a FastAPI app answers the
HTTP API (``/api``, documented at ``/docs``) and the pages.
"""
