"""How a stack-file mistake is reported: :class:`SettingsError`, one line that starts with the full config key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import pulumi

from components.input.error_text import config_key as _key_text
from components.input.error_text import one_line
from components.settings.constants import NAMESPACE


class SettingsError(pulumi.RunError):
    """A stack-file mistake: one line naming the key, the bad value and what is allowed."""

    def __init__(self, message: str) -> None:
        # One line whatever a key or value holds: `pulumi preview` and the render print it as it is.
        super().__init__(one_line(message))


def config_key(loc: Sequence[Union[str, int]]) -> str:
    """``("nodeGroups", 2, "taints", 0, "effect")`` -> ``eks-daemonsets:nodeGroups[2].taints[0].effect``.

    Keys that are not plain names are quoted and escaped (``labels["node-role"]``, ``tags["a\\nb"]``), and cut
    when long, so the key reads as the stack file writes it, on one line.
    """
    return _key_text(f"{NAMESPACE}:{loc[0]}", loc[1:])
