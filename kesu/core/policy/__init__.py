"""Policy as configuration (SPEC F1)."""

from kesu.core.policy.durations import Duration
from kesu.core.policy.io import dump_policy, load_policy, load_preset, policy_from_data, preset_paths
from kesu.core.policy.model import Clock, Level, Policy

__all__ = [
    "Clock",
    "Duration",
    "Level",
    "Policy",
    "dump_policy",
    "load_policy",
    "load_preset",
    "policy_from_data",
    "preset_paths",
]
