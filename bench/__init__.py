"""`make bench`: the site against a bare Flask app under the same gunicorn settings."""
