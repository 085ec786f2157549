"""The base every stack-file model shares: frozen, keys in camelCase, unknown keys refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class _Model(BaseModel):
    """Frozen, camelCase, and strict about unknown keys: a typo is an error, not a silent default."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True, validate_default=True
    )
