"""Scenarios: Hydra configs (the `scenario` config group, `conf/scenario/*.yaml`) and their comparison."""
