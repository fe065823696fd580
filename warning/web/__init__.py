"""The web layer: FastAPI app factory, API routers and pages."""
