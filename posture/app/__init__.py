"""``posture app``: the analysis, review, history and comparison in the browser, served locally.

:mod:`~posture.app.server` has the HTTP API (described at ``/openapi.json``) and
serves the pages in ``static/``; :mod:`~posture.app.pool` runs analyses on a
bounded set of worker threads, each with its own open model. FastAPI and
uvicorn (the ``app`` extra) are imported only here.
"""
