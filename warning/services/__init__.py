"""Application services: each takes a Session and never commits; the caller does."""
