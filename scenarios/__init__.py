"""Scenarios: Hydra configs (`scenarios/*.yaml`, the `scenario` config group) and their comparison."""
