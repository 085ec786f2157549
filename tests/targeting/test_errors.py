"""TargetingError: a one-line message, a path callers can prefix, and pickling."""

from __future__ import annotations

import pickle

from components.targeting import TargetingError, format_path


def test_error_message_is_one_line_without_path_and_located_adds_it() -> None:
    err = TargetingError("bad thing", path=("values", 0), value="a\nb", allowed="good things")
    assert str(err) == "bad thing: got 'a\\nb'; allowed: good things"
    assert err.located() == "values[0]: bad thing: got 'a\\nb'; allowed: good things"


def test_error_with_prefix_prepends_the_callers_path() -> None:
    err = TargetingError("bad", path=("values", 0), value=1, allowed="x")
    moved = err.with_prefix("agents", "fluentd", "nodeAffinity", 2)
    assert moved.path == ("agents", "fluentd", "nodeAffinity", 2, "values", 0)
    assert (moved.value, moved.allowed, moved.problem) == (1, "x", "bad")
    assert err.path == ("values", 0)


def test_error_survives_pickling() -> None:
    err = pickle.loads(pickle.dumps(TargetingError("bad", path=("key",), value="K", allowed="k")))
    assert (err.path, err.value, err.allowed, str(err)) == (("key",), "K", "k", "bad: got 'K'; allowed: k")


def test_format_path_quotes_label_keys() -> None:
    assert format_path(("nodeSelector", "kubernetes.io/os")) == 'nodeSelector["kubernetes.io/os"]'
    assert format_path(("nodeAffinity", 0, "values")) == "nodeAffinity[0].values"
    assert format_path(()) == ""
