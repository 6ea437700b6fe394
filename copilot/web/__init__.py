"""Server-rendered pages (Jinja2 shells that call the JSON API with the signed-in key)."""
