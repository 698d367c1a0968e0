"""Webhooks to partners' endpoints: outbox writers (enqueue.py), and the worker that
delivers them (worker.py), signed per the Standard Webhooks spec."""
