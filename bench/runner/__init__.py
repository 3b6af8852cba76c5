"""The built-in Rally-style runner (`novalite-bench`): reads Rally task
files, runs Rally's NovaServers scenarios with fine polling and one HTTP
session per worker thread, and reports as Rally does (table, JSON, HTML).

task.py (task files) · scenarios.py (what an iteration does) · engine.py
(runners, progress) · stats.py and sla.py (Rally's numbers) · report.py
(JSON, HTML) · client.py (HTTP) · cli.py (the command)."""
