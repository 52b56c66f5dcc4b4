"""Compose the Hydra configuration from `conf/` plus command-line overrides, and validate it.

Hydra's compose API is used (not `@hydra.main`) so that every input problem becomes one
`InputError` naming the key, which run.py prints as a single line with exit code 2.
"""

import re
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from model.errors import InputError
from model.interventions import build_interventions
from model.params import Params, build

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"
PROGRESS_CHOICES = ("auto", "on", "off")
PROGRESS_DISABLE = {"auto": None, "on": False, "off": True}
"""tqdm's `disable` for each progress choice (None: show only on a terminal)."""


def config_groups(conf_dir: Path = CONF_DIR) -> dict[str, list[str]]:
    """Config groups (sub-folders of conf/) and the options in each."""
    return {folder.name: sorted(p.stem for p in folder.glob("*.yaml"))
            for folder in sorted(conf_dir.iterdir()) if folder.is_dir() and any(folder.glob("*.yaml"))}


def _explain(error: Exception, overrides: list[str], conf_dir: Path) -> str:
    """Turn a Hydra composition error into one line that names the key."""
    text = " ".join(str(error).split())
    match = re.search(r"Could not override '([^']+)'", text)
    if match:
        return f"{match.group(1)}: unknown config key (python run.py --help lists the groups)"
    match = re.search(r"Could not find '([^'/]+)/([^']+)'", text)
    if match:
        group, option = match.groups()
        options = ", ".join(config_groups(conf_dir).get(group, [])) or "none"
        return f"{group}={option}: no such option in conf/{group}/ (available: {options})"
    match = re.search(r"Key '([^']+)' is not in struct", text)
    if match:
        return f"{match.group(1)}: unknown config key"
    return text.split(". ")[0]


def compose_config(overrides: list[str] | None = None, config_name: str = "config",
                   conf_dir: Path = CONF_DIR) -> DictConfig:
    """The composed configuration, or InputError for a malformed override or unknown key/option."""
    overrides = list(overrides or [])
    try:
        OverridesParser.create().parse_overrides(overrides)
    except HydraException:
        bad = next((o for o in overrides if "=" not in o), " ".join(overrides))
        raise InputError(f"{bad}: not a key=value override") from None
    if not (conf_dir / f"{config_name}.yaml").exists():
        raise InputError(f"--config-name {config_name}: no file conf/{config_name}.yaml")
    try:
        with initialize_config_dir(config_dir=str(conf_dir), version_base=None):
            return compose(config_name=config_name, overrides=overrides)
    except HydraException as error:
        raise InputError(_explain(error, overrides, conf_dir)) from None


def to_plain(cfg: DictConfig) -> dict:
    """A resolved plain-dict copy of a config."""
    try:
        return OmegaConf.to_container(cfg, resolve=True)
    except Exception as error:  # interpolation errors name their key in the message
        raise InputError(" ".join(str(error).split())) from None


def model_params(plain: dict) -> Params:
    """Validated model parameters from a plain config (the `run` and `compare` sections are not the
    model's); interventions are checked against their types' effect parameters."""
    params = build(Params, {key: value for key, value in plain.items() if key not in ("run", "compare")})
    build_interventions(params, 0)
    return params


def run_options(plain: dict) -> dict:
    """Validated run options: output_dir (str or None) and progress (auto/on/off)."""
    options = dict(plain.get("run") or {})
    unknown = sorted(set(options) - {"output_dir", "progress"})
    if unknown:
        raise InputError(f"run.{unknown[0]}: unknown config key")
    progress = options.get("progress", "auto")
    progress = {True: "on", False: "off"}.get(progress, progress)
    if progress not in PROGRESS_CHOICES:
        raise InputError(f"run.progress: must be one of {', '.join(PROGRESS_CHOICES)}, got {progress!r}")
    output_dir = options.get("output_dir")
    if output_dir is not None and not isinstance(output_dir, str):
        raise InputError(f"run.output_dir: must be a path, got {output_dir!r}")
    return {"output_dir": output_dir, "progress": progress}
