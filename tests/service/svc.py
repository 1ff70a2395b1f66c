"""What the service tests share: users, the tiny scenario's target, a live server to start and stop."""

from __future__ import annotations

import os

POSTGRES = os.environ.get("AGGREGATES_TEST_POSTGRES_URL", "")
FEASIBLE = "target:\n  mt_per_yr: 3\n  from_year: 2021\n"
PASSWORD = "correct horse battery"
USERS = {"planner": "planner", "planner2": "planner", "official": "official", "project": "project"}
