"""Benchmarks, run as scripts: ``.venv/bin/python bench/numbering.py --help``."""
