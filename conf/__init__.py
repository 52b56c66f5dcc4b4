"""The Hydra configs (YAML), shipped as package data and found through Hydra's `pkg://bridges.conf`."""
