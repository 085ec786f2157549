"""Outside judge: checkov's Kubernetes checks on the dev render, with every accepted failure justified in the repo.

checkov runs once, on the whole ``manifests/`` directory of the dev render, from its own virtualenv (``$CHECKOV``,
else ``.venv-checkov/bin/checkov``). A missing checkov is a failure, not a skip: CI must run this judge.

The per-DaemonSet figures land in ``build/judges/checkov-dev.json`` and in the JUnit properties; to see the failing
check ids quickly: ``.venv/bin/python -m tests.judges checkov``. The anchors' figures are reproduced by hand with
``.venv/bin/python -m tests.judges anchors --dir DIR``, DIR holding the anchors' manifests as shipped (not part of the
suite: the project carries their facts, not their files).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from tests.judges import (
    ANCHOR_FIGURES,
    ANCHOR_OF,
    CHECKOV_VERSION,
    DAEMONSET_TARGETS,
    ROOT,
    CheckovReport,
    CheckovUnavailable,
    Render,
    checkov_executable,
    daemonset_summary,
    judge,
    load_skips,
    rendered,
    run_checkov,
    write_summary,
)

DEV = ROOT / "Pulumi.dev.yaml"
T = TypeVar("T")


def _or_fail(action: Callable[[], T]) -> T:
    """checkov missing or broken is a failure that says how to install it, never a skip: CI must run this judge."""
    try:
        return action()
    except CheckovUnavailable as error:
        problem = str(error)
    pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="module")
def dev_render() -> Render:
    render = rendered(DEV)
    if render.error:
        pytest.fail(f"the dev stack does not render: {render.error}")
    return render


@pytest.fixture(scope="module")
def report(dev_render: Render) -> CheckovReport:
    """One checkov run on the dev render's manifests; the figures are written before any test judges them."""
    result = _or_fail(lambda: run_checkov(directory=dev_render.manifests_dir))
    write_summary(
        "checkov-dev.json",
        {
            "command": " ".join(result.command[:1] + ("-d", "<render>/manifests") + result.command[3:]),
            "checkov_version": result.version,
            "summary": result.summary,
            "daemonsets": daemonset_summary(result, dev_render, load_skips()),
        },
    )
    return result


def test_checkov_is_installed() -> None:
    _or_fail(checkov_executable)


def test_checkov_is_the_pinned_release(report: CheckovReport) -> None:
    assert report.version == CHECKOV_VERSION, (
        f"checkov {report.version}; the anchors' figures and the skip list are for {CHECKOV_VERSION} "
        "(requirements-checkov.txt)"
    )


def test_skip_list_is_well_formed() -> None:
    load_skips()  # raises with the entry and field at fault


def test_skip_list_names_rendered_daemonsets(dev_render: Render) -> None:
    unknown = sorted({s.daemonset for s in load_skips()} - set(dev_render.daemonsets()))
    assert not unknown, f"checkov_skips.yaml names DaemonSets the dev render does not have: {unknown}"


def test_dev_render_has_the_three_agents(dev_render: Render) -> None:
    assert sorted(dev_render.daemonsets()) == sorted(DAEMONSET_TARGETS)


def test_checkov_looked_at_every_daemonset(report: CheckovReport, dev_render: Render) -> None:
    assert report.summary.get("resource_count", 0) > 0, f"checkov scanned nothing: {report.summary}"
    for name, manifest in dev_render.daemonsets().items():
        namespace = manifest["metadata"].get("namespace")
        seen = report.on_daemonset(name, namespace=namespace, result="PASSED") + report.on_daemonset(
            name, namespace=namespace
        )
        assert seen, f"checkov reported nothing on DaemonSet {namespace}/{name}: did it parse the file?"


def test_no_parsing_errors(report: CheckovReport) -> None:
    assert report.summary.get("parsing_errors", 0) == 0, report.summary


def test_no_inline_suppressions(report: CheckovReport) -> None:
    inline = [f"{f.check_id} on {f.resource}" for f in report.with_result("SKIPPED")]
    assert not inline, (
        "checkov.io/skip annotations suppress checks where no reviewer looks; list them in "
        f"tests/judges/checkov_skips.yaml instead: {inline}"
    )


def test_every_failed_check_is_justified(report: CheckovReport, dev_render: Render) -> None:
    unjustified = judge(report, dev_render.manifests, load_skips())["unjustified"]
    lines = [f"{f.check_id} {f.check_name!r} on {f.resource} ({f.file})" for f in unjustified]
    if lines:
        pytest.fail(
            "checkov failed checks no entry of tests/judges/checkov_skips.yaml covers; fix the manifest, or add an entry "
            "with the reason the agent needs it:\n  " + "\n  ".join(lines),
            pytrace=False,
        )


def test_no_stale_skips(report: CheckovReport, dev_render: Render) -> None:
    stale = judge(report, dev_render.manifests, load_skips())["stale"]
    if stale:
        pytest.fail(
            "skip list entries no failed check needs any more; delete them: " + ", ".join(s.label() for s in stale),
            pytrace=False,
        )


@pytest.mark.parametrize("daemonset", sorted(DAEMONSET_TARGETS))
def test_daemonset_beats_its_anchor(
    daemonset: str, report: CheckovReport, dev_render: Render, record_property: pytest.RecordProperty
) -> None:
    manifest = dev_render.daemonsets().get(daemonset)
    assert manifest is not None, f"the dev render has no DaemonSet {daemonset}"
    failed = report.on_daemonset(daemonset, namespace=manifest["metadata"].get("namespace"))
    target, anchor = DAEMONSET_TARGETS[daemonset], ANCHOR_FIGURES[ANCHOR_OF[daemonset]]
    record_property("checkov_failed", len(failed))
    record_property("checkov_failed_checks", " ".join(f.check_id for f in failed))
    assert len(failed) <= target, (
        f"checkov fails {len(failed)} checks on DaemonSet {daemonset} (target {target}, anchor {anchor}): "
        + ", ".join(f"{f.check_id} {f.check_name}" for f in failed)
    )
