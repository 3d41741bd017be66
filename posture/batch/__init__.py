"""Analyse many photos: find them (:mod:`~posture.batch.discovery`), share them among worker
processes (:mod:`~posture.batch.pool`), collect each photo's outcome
(:mod:`~posture.batch.outcome`) and write the CSV table (:mod:`~posture.batch.table`).

Nothing heavy is imported here or by those modules: the workers import the analysis.
"""
