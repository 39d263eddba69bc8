"""The dashboard: Jinja2 template, static JS/CSS and vendored front-end libraries (no Python code)."""
