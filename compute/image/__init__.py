"""The compute agent's way to images: the Glance v2 HTTP API (built-in or a
real Glance), never the database."""
