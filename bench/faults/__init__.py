"""The fault suite: the real processes (API server, mail workers, aiosmtpd, PostgreSQL,
Redis), broken on purpose on loopback, with figures and a verdict per scenario.

    .venv/bin/python -m bench.faults [--quick] [--only NAME ...]

Its PostgreSQL and Redis are its own (initdb and redis-server on free ports in a
temporary folder), never the machine's shared ones. docs/operations.md, "Faults
survived", gives the figures measured and what each scenario proves.
"""
