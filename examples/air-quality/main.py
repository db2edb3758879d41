"""The air-quality project's jobs: python3 main.py JOB START END CONFIG.

etl passes the job name, the window [START, END) as RFC 3339 timestamps and the job's config as
JSON, both as arguments and as ETL_* env vars. Each job processes exactly its window, so a
window can be re-run (or back-filled) without touching any other.
"""

import csv
import hashlib
import json
import os
import sys
from collections import defaultdict
from datetime import datetime


def readings(path: str, start: datetime, end: datetime):
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            t = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
            if start <= t < end:
                yield row


def daily_averages(start: datetime, end: datetime, config: dict) -> None:
    pollutant = config["pollutant"]
    values = defaultdict(list)
    for row in readings(config["readings"], start, end):
        values[row["sensor"]].append(float(row[pollutant]))
    token = os.environ.get("WAREHOUSE_TOKEN")
    # Prove the secret arrived without ever printing it.
    if token:
        print(f"warehouse token sha256 {hashlib.sha256(token.encode()).hexdigest()[:12]}")
    if not values:
        print(f"no readings between {start.isoformat()} and {end.isoformat()}", file=sys.stderr)
        sys.exit(3)
    for sensor in sorted(values):
        v = values[sensor]
        if len(v) < int(config.get("min_readings", 1)):
            continue
        print(f"{sensor}: mean {pollutant} {sum(v) / len(v):.2f} over {len(v)} readings")


def sensor_report(start: datetime, end: datetime, config: dict) -> None:
    counts = defaultdict(int)
    for row in readings(config["readings"], start, end):
        counts[row["sensor"]] += 1
    for sensor in sorted(counts):
        print(f"{sensor}: {counts[sensor]} readings")


JOBS = {"daily-averages": daily_averages, "sensor-report": sensor_report}


def main() -> None:
    job, start, end, config = sys.argv[1:5]
    print(f"{job} window {start} {end} run {os.environ.get('ETL_RUN_ID')}", flush=True)
    JOBS[job](datetime.fromisoformat(start), datetime.fromisoformat(end), json.loads(config))


if __name__ == "__main__":
    main()
