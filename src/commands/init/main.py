"""Entry point for this project's etl jobs: main.py JOB START END CONFIG.

etl runs `python3 main.py JOB START END CONFIG`, here (`etl jobs run`) or on Kubernetes
(`etl jobs schedule`, `etl deploy`). START and END are RFC 3339 timestamps of the window
[START, END) to process; CONFIG is the job's config as JSON. The same values are in the env
vars ETL_JOB, ETL_WINDOW_START, ETL_WINDOW_END, ETL_CONFIG and ETL_RUN_ID.
"""

import json
import sys
from datetime import datetime


def ingest(start: datetime, end: datetime, config: dict) -> None:
    print(f"ingest: reading {config['source']} data from {start} to {end}")


JOBS = {"ingest": ingest}


def main() -> None:
    job, start, end, config = sys.argv[1:5]
    JOBS[job](datetime.fromisoformat(start), datetime.fromisoformat(end), json.loads(config))


if __name__ == "__main__":
    main()
