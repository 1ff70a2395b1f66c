"""Run folders: a plan and its map layers written to files, and read back into the same types."""

from aggregates.io.run_folder import RUN_FILES, kpi_table, read_run_folder, write_plan_files, write_scenario

__all__ = ["RUN_FILES", "kpi_table", "read_run_folder", "write_plan_files", "write_scenario"]
