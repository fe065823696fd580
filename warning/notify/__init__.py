"""Notices: the outbox written with each change, and the worker that delivers it."""
