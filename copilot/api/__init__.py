"""HTTP API: the FastAPI app factory and one router per area; routes are thin, they call services."""
