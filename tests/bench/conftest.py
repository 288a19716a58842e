"""The benchmark is a script (bench.py), not a test suite: keep pytest out of this directory."""
collect_ignore_glob = ["*"]
