"""The stack file's value types, each checked where pydantic reads it: Kubernetes quantities, image references,
EKS names, instance types, IAM principal ARNs, IPv4 CIDRs, AWS tags, node labels and rollout percentages."""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal
from typing import Annotated, Any, Optional, Union

from pydantic import AfterValidator, BeforeValidator, Field

from components.input.error_text import short_repr
from components.input.limits import MAX_TAG_KEY, MAX_TAG_VALUE, MAX_TAGS
from components.settings.constants import NODE_GROUP_NAME_MAX, RESERVED_LABEL_DOMAINS
from components.targeting import validate_label_key, validate_label_value

# Python patterns end in \Z, not $ (which also matches before a trailing newline), and spell digits [0-9], not \d
# (which also matches Arabic-Indic and other Unicode digits). Pydantic's `pattern=` runs Rust's regex, where $ is the
# end of the text, but \d is Unicode there too.
_EKS_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9\-_]*\Z")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+\Z")
# Kubernetes' quantity grammar (k8s.io/apimachinery resource.Quantity): a number, then a binary or decimal SI suffix
# or a decimal exponent (1e3, 5E-1). "E" alone is exa; "E" followed by digits is an exponent.
_QUANTITY = re.compile(
    r"^(?P<num>\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:[eE](?P<exp>[+-]?[0-9]{1,9})|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|))\Z"
)
#: No quantity may be larger than 2^63-1 in magnitude (resource.Quantity); no real one is longer than this.
_QUANTITY_MAX, _QUANTITY_MAX_CHARACTERS = 2**63 - 1, 64
_SUFFIX = {
    "": 1, "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": 10**3, "M": 10**6, "G": 10**9,
    "T": 10**12, "P": 10**15, "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
    "Ei": 2**60,
}
# An image reference must pin a version: a tag other than "latest", a digest, or both. The grammar is
# distribution/reference's (regexp.go), lowercase: path components joined by "/", each alphanumeric runs joined by
# ".", "_", "__" or dashes. The separators hold no "/", so every split is unique and matching is linear; a separator
# class that also held "/" made "a/a/…/a!" backtrack exponentially (50 characters took seconds).
_IMAGE_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"^(?P<repo>{_IMAGE_COMPONENT}(?::[0-9]+)?(?:/{_IMAGE_COMPONENT})*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?\Z"
)
#: distribution/reference's NameTotalLengthMax.
_IMAGE_NAME_MAX = 255
# The one digest algorithm accepted: opencontainers/go-digest validates a sha256 digest as exactly 64 lowercase hex
# digits (its anchored encoded regexp), so a shorter, longer or upper-case one would be refused by the registry.
_IMAGE_DIGEST = re.compile(r"sha256:[a-f0-9]{64}\Z")
_PERCENT = re.compile(r"^(?:[1-9][0-9]?|100)%\Z")


def _ipv4_cidr(text: str) -> str:
    try:
        ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an IPv4 CIDR; allowed: an address and prefix such as 203.0.113.0/24"
        ) from None
    return text


def _aws_tags(tags: dict[str, str]) -> dict[str, str]:
    # The AWS tagging rules: at most 50 per resource, keys of 1-128 characters, values of at most 256, and no aws:
    # prefix (AWS's own).
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{len(tags)} tags; allowed: at most {MAX_TAGS} per resource")
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY or key.lower().startswith("aws:"):
            raise ValueError(
                f"tag key {short_repr(key)} is not allowed; allowed: 1 to {MAX_TAG_KEY} characters, not starting "
                "with aws:"
            )
        if len(value) > MAX_TAG_VALUE:
            raise ValueError(
                f"tag {short_repr(key)}: the value {short_repr(value)} is longer than {MAX_TAG_VALUE} characters; "
                f"allowed: at most {MAX_TAG_VALUE}"
            )
    return tags


# Rust's regex reads \d as any Unicode digit, so the shape is spelt [0-9]; ipaddress checks the numbers.
Ipv4Cidr = Annotated[str, Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$"), AfterValidator(_ipv4_cidr)]


def parse_quantity(text: str) -> Decimal:
    """Parse a Kubernetes resource quantity (``250m``, ``128Mi``, ``1.5``, ``1e3``) into a number."""
    match = _QUANTITY.match(text) if len(text) <= _QUANTITY_MAX_CHARACTERS else None
    if not match:
        raise ValueError(
            f"{text!r} is not a Kubernetes quantity; allowed: a number with an optional suffix "
            "(m, k, M, G, Ki, Mi, Gi, ...) or exponent (e3), such as 250m or 128Mi"
        )
    if match["exp"] is not None:
        value = Decimal(f"{match['num']}E{match['exp']}")
    else:
        value = Decimal(match["num"]) * Decimal(_SUFFIX[match["suffix"]])
    if value > _QUANTITY_MAX:
        raise ValueError(f"{text!r} is larger than any Kubernetes quantity; allowed: at most 2^63-1")
    return value


def _quantity(text: str) -> str:
    parse_quantity(text)
    return text


def _eks_name(text: str) -> str:
    if not (1 <= len(text) <= NODE_GROUP_NAME_MAX and _EKS_NAME.match(text)):
        raise ValueError(
            f"{text!r} is not a valid name; allowed: 1 to {NODE_GROUP_NAME_MAX} letters, digits, '-' or '_', starting "
            "with a letter or digit (the provider appends '-' and a 26-character unique suffix within EKS's "
            "63-character limit)"
        )
    return text


def _instance_type(text: str) -> str:
    if not _INSTANCE_TYPE.match(text):
        raise ValueError(f"{text!r} is not an EC2 instance type; allowed: <family>.<size>, such as m6i.large")
    return text


def image_digest(image: str) -> Optional[str]:
    """The ``sha256:<64 hex>`` digest an image reference pins (``name:tag@sha256:…``, ``name@sha256:…``) or None."""
    _, at, digest = image.partition("@")
    return digest if at and _IMAGE_DIGEST.match(digest) else None


def _image(text: str) -> str:
    _, at, digest = text.partition("@")
    if at and not _IMAGE_DIGEST.match(digest):
        raise ValueError(
            f"{short_repr(text)} has a malformed digest {short_repr(digest)}; allowed: @sha256: followed by 64 "
            "lowercase hex digits, as `crane digest` or `docker buildx imagetools inspect` prints them"
        )
    match = _IMAGE.match(text)
    if not match or len(match["repo"]) > _IMAGE_NAME_MAX:
        raise ValueError(
            f"{text!r} is not an image reference; allowed: registry/repository:tag[@sha256:digest], the name at most "
            f"{_IMAGE_NAME_MAX} characters"
        )
    if not match["tag"] and not match["digest"]:
        raise ValueError(f"{text!r} does not pin a version; allowed: an exact tag or a sha256 digest")
    if match["tag"] == "latest" and not match["digest"]:
        raise ValueError(f"{text!r} uses the floating tag 'latest'; allowed: an exact version tag or a sha256 digest")
    return text


# ASCII and \Z, as the patterns above: IAM names are ASCII, and $ would let a trailing newline through.
_IAM_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[\w+=,.@/-]+\Z", re.ASCII)
_STS_ASSUMED_ROLE = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):sts::(?P<account>[0-9]{12}):assumed-role/(?P<role>[^/]+)/.+\Z", re.ASCII
)


def _admin_principal(arn: str) -> str:
    # EKS takes IAM role and user ARNs in access entries, never an STS session ("You can't use the STS session
    # principal type with access entries", CreateAccessEntry). A role ARN may carry its path.
    session = _STS_ASSUMED_ROLE.match(arn)
    if session:
        iam = f"arn:{session['partition']}:iam::{session['account']}:role"
        hint = f"{iam}/{session['role']}"
        if session["role"].startswith("AWSReservedSSO_"):
            hint = f"{iam}/aws-reserved/sso.amazonaws.com/{session['role']}"
        raise ValueError(
            f"{arn!r} is an STS session, which EKS refuses in an access entry; allowed: the ARN of the IAM role "
            f"behind it, such as {hint} (with the role's path: `aws iam get-role --role-name {session['role']} "
            "--query Role.Arn` prints it)"
        )
    if not _IAM_PRINCIPAL.match(arn):
        raise ValueError(
            f"{arn!r} is not an IAM principal ARN; allowed: arn:aws:iam::<account>:role/<path/name> or :user/<name>"
        )
    return arn


#: What the EKS node group API takes, stricter than Kubernetes: a label key (prefix included), a label value and a
#: taint key of 1 to 63 characters, a taint value of at most 63 (botocore's eks service-2.json: labelKey, labelValue,
#: taintKey, taintValue). Kubernetes allows a 253-character key prefix and an empty label value; EKS refuses both at
#: CreateNodegroup, after the preview has passed.
EKS_LABEL_KEY_MAX = EKS_LABEL_VALUE_MAX = EKS_TAINT_KEY_MAX = EKS_TAINT_VALUE_MAX = 63


def eks_key_length(key: str, what: str) -> str:
    """``key`` if the EKS node group API takes it as a label or taint key (``what``), else a ValueError."""
    if len(key) > EKS_LABEL_KEY_MAX:
        raise ValueError(
            f"{what} key {short_repr(key)} has {len(key)} characters; allowed: at most {EKS_LABEL_KEY_MAX} with its "
            "prefix (the EKS node group API's limit, stricter than Kubernetes' 253-character prefix)"
        )
    return key


def _node_label_key(key: str) -> str:
    validate_label_key(key)
    eks_key_length(key, "label")
    domain = key.split("/", 1)[0] if "/" in key else ""
    if any(domain == d or domain.endswith("." + d) for d in RESERVED_LABEL_DOMAINS):
        raise ValueError(
            f"label key {key!r} uses a reserved domain; allowed: keys outside {', '.join(RESERVED_LABEL_DOMAINS)}"
        )
    return key


def _node_label_value(value: str) -> str:
    validate_label_value(value)
    if not value:
        raise ValueError(
            "the label value is empty; allowed: 1 to 63 characters (the EKS node group API refuses an empty label "
            "value, which Kubernetes allows)"
        )
    return value


def _sorted(mapping: dict[str, str]) -> dict[str, str]:
    return dict(sorted(mapping.items()))


def _as_text(value: Any) -> Any:
    """``true``/``false`` and whole numbers as the text they were typed as.

    ``pulumi config set --path`` stores ``true``/``false`` as booleans and digit strings as integers (and YAML does
    the same in a stack file); Kubernetes labels, taints and AWS tags hold them as the strings "true" and "1".
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return value


def _quantity_text(value: Any) -> Any:
    # `cpu: 1` or `cpu: 0.5` is a quantity too, as Kubernetes takes it.
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


#: A string key of the stack file that a user may type as a bare number or true/false.
Text = Annotated[str, BeforeValidator(_as_text)]
QuantityStr = Annotated[str, BeforeValidator(_quantity_text), AfterValidator(_quantity)]
EksName = Annotated[str, BeforeValidator(_as_text), AfterValidator(_eks_name)]
ImageRef = Annotated[str, AfterValidator(_image)]
InstanceType = Annotated[str, AfterValidator(_instance_type)]
# Keys and values are validated one by one, so that a mistake is reported at its own key (labels.team), not the map's.
NodeLabels = Annotated[
    dict[Annotated[str, AfterValidator(_node_label_key)], Annotated[Text, AfterValidator(_node_label_value)]],
    AfterValidator(_sorted),
]


def _max_unavailable(value: Union[int, str]) -> Union[int, str]:
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"{value} would stop a rolling update; allowed: a whole number >= 1 or a percentage 1%..100%")
        return value
    if not _PERCENT.match(value):
        raise ValueError(f"{value!r} is not a percentage; allowed: a whole number >= 1 or a percentage 1%..100%")
    return value


MaxUnavailable = Annotated[Union[int, str], AfterValidator(_max_unavailable)]
