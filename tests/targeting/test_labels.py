"""Label key and value syntax, as Kubernetes validates it."""

from __future__ import annotations

import pytest

from components.targeting import TargetingError, validate_label_key, validate_label_value


@pytest.mark.parametrize(
    "key",
    ["app", "kubernetes.io/arch", "eks.amazonaws.com/capacityType", "a" * 63, "x" * 253 + "/" + "y" * 63, "A_b-c.D9"],
)
def test_valid_label_keys_are_accepted(key: str) -> None:
    assert validate_label_key(key) == key


@pytest.mark.parametrize(
    "key, problem",
    [
        ("", "label key must not be empty"),
        ("a" * 64, "label key name is longer than 63 characters"),
        ("-app", "label key name has a character outside [-_.A-Za-z0-9] or does not start and end with a letter or digit"),
        ("app_", "label key name has a character outside [-_.A-Za-z0-9] or does not start and end with a letter or digit"),
        ("Example.com/app", "label key prefix is not a lowercase DNS subdomain"),
        ("a/b/c", "label key prefix is not a lowercase DNS subdomain"),
        ("/app", "label key prefix before '/' must not be empty"),
        ("example.com/", "label key name after '/' must not be empty"),
        ("x" * 254 + "/app", "label key prefix is longer than 253 characters"),
        (7, "label key must be a string"),
    ],
)
def test_invalid_label_keys_are_rejected_with_the_reason(key: object, problem: str) -> None:
    with pytest.raises(TargetingError) as caught:
        validate_label_key(key, path=("k",))
    assert caught.value.problem == problem
    assert caught.value.path == ("k",)
    assert caught.value.value == key


@pytest.mark.parametrize("value", ["", "a", "1", "0.1.2", "a" * 63, "Linux_x-1"])
def test_valid_label_values_are_accepted(value: str) -> None:
    assert validate_label_value(value) == value


@pytest.mark.parametrize("value", ["a" * 64, "-a", "a-", "a b", "é", " a"])
def test_invalid_label_values_are_rejected(value: str) -> None:
    with pytest.raises(TargetingError):
        validate_label_value(value)


def test_label_value_error_message_is_exact() -> None:
    with pytest.raises(TargetingError) as caught:
        validate_label_value("a b", path=("v",))
    assert str(caught.value) == (
        "label value has a character outside [-_.A-Za-z0-9] or does not start and end with a letter or digit: "
        "got 'a b'; allowed: empty, or 1-63 characters from [-_.A-Za-z0-9] starting and ending with a letter or digit"
    )


# --------------------------------------------------------------------------- #
# Pinned by mutation testing (issue 15): each test holds one rule with exact values
# --------------------------------------------------------------------------- #


def test_a_label_value_that_is_not_a_string_is_a_targeting_error() -> None:
    from components.targeting import validate_label_value

    with pytest.raises(TargetingError) as caught:
        validate_label_value(5, path=("v",))
    assert (caught.value.problem, caught.value.path, caught.value.value) == ("label value must be a string", ("v",), 5)
