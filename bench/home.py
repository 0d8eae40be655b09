"""Server times of the pages everyone opens every morning, on the register of 1,000,000 entries
that bench/registers.py fills (run that first; this one only reads).

Measured inside the app with Flask's test client, logged in as the clerk whose agency register
holds the million entries (clerk.dopa), --reps requests after --warmup warm-ups each:
  - the home page, with its chart of the letters registered per month over the last year (read
    from the monthly tallies, app/services/tally.py; counting the million entries on every
    visit took 650-780 ms before them);
  - the executives' agenda of the day, the announcements, the phone directory, the help chat.

Target: p95 <= 50 ms each, the list pages' target of issue 3.

  .venv/bin/python bench/home.py [--database postgresql://postgres@127.0.0.1:5432/bench]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.registers import (  # noqa: E402
    DEFAULT_DATABASE,
    Refused,
    existing_entries,
    login,
    make_app,
    percentile,
    quiet_logs,
    resolve_url,
)

PAGES = [
    ("/", "home page (what waits, agenda, rooms, announcements, chart of a year)"),
    ("/agenda/", "executives' agenda of the day"),
    ("/announcements/", "announcements"),
    ("/directory/", "phone directory, first page"),
    ("/help/", "help chat"),
]
TARGET_MS = 50


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    quiet_logs()
    try:
        url = resolve_url(args.database)
    except Refused as e:
        print(f"refused: {e}")
        return 2
    entries = existing_entries(url)
    if entries < 100_000:
        print(f"the database holds {entries:,} entries: fill it first with bench/registers.py")
        return 2
    app = make_app(url, tempfile.mkdtemp(prefix="bench-home-"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()  # the tallies' table, counted from the entries, if the fill predates it
    client = login(app)
    print(f"## {entries:,} entries; {args.reps} requests after {args.warmup} warm-ups")
    print("| page | p50 ms | p95 ms | target | result |\n|---|---:|---:|---|---|")
    for path, label in PAGES:
        times = []
        for i in range(args.warmup + args.reps):
            t0 = time.perf_counter()
            r = client.get(path)
            elapsed = (time.perf_counter() - t0) * 1000
            if r.status_code != 200:
                raise RuntimeError(f"GET {path}: {r.status_code}")
            if i >= args.warmup:
                times.append(elapsed)
        p95 = percentile(times, 95)
        print(f"| {label} | {percentile(times, 50):.1f} | {p95:.1f} | p95 <= {TARGET_MS} ms | "
              f"{'met' if p95 <= TARGET_MS else 'MISS'} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
