"""moto_server with IAM Access Advisor: the local AWS emulator of iamtrail's tests.

moto 5.2.1 does not implement GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails
or GetServiceLastAccessedDetailsWithEntities. moto dispatches an IAM action to the same-named
snake_case method of its response class, so adding these methods to IamResponse serves them; the
answers go through moto's own serializer (the botocore model of IAM), so the SDK reads the same
XML it reads from AWS.

The answers come from a fixture file (JSON, path in MOTO_ADVISOR_FIXTURE; see
test/moto/advisor-fixture.json for its keys):
- every principal moto knows gets the fixture's `services` (`{arn}` in a string is replaced by the
  principal's ARN); an ARN moto does not know (deleted, or of another account) is NoSuchEntity;
- a job answers IN_PROGRESS to its first `inProgressPolls` reads, then COMPLETED (or FAILED with
  `Error` for an ARN matching a `failed` pattern); ServicesLastAccessed is paged with
  MaxItems/Marker (default page size `defaultMaxItems`, AWS's is 100);
- the first `calls` calls of an operation for an ARN matching a `throttled` pattern fail with
  `Throttling: Rate exceeded`;
- a principal matching a `deleteOnGenerate` pattern is deleted from moto when its job is asked
  for (someone deleted it between listing and collecting), so the answer is NoSuchEntity;
- a job is read with the credentials that started it, as AWS requires: another access key, or
  an unknown JobId, is NoSuchEntity;
- IAM SimulatePrincipalPolicy (moto has none) answers from the fixture's `simulator` key, or from
  the JSON file in MOTO_SIMULATOR_FIXTURE when that is set (the same keys at its top level):
  - `rules`, the first that matches wins: `principal` (a regex searched in PolicySourceArn),
    `action` (a glob, case-insensitive as IAM actions are), `resource` (a glob; default `*`),
    optional `context` ({key: [values]}: the rule applies only when the request's ContextEntries
    give that key, case-insensitively, one of these values) → `decision` (`allowed`,
    `explicitDeny`, `implicitDeny`), `matched` (MatchedStatements: SourcePolicyId,
    SourcePolicyType, StartPosition/EndPosition {Line, Column}), `missingContextValues` (listed
    only while the request's ContextEntries do not give that key), `details` (merged into the
    result: EvalDecisionDetails, PermissionsBoundaryDecisionDetail, OrganizationsDecisionDetail).
    No rule: `implicitDeny`, nothing matched;
  - one EvaluationResult per (action, resource) (resource `*` without ResourceArns), in request
    order; for a principal matching a `groupByAction` pattern, one per action with
    EvalResourceName `*` and the per-resource answers in ResourceSpecificResults (decision:
    explicitDeny if any resource's is, allowed if all are, else implicitDeny);
  - paged with MaxItems/Marker (default page size `defaultMaxItems`, AWS's is 100);
  - throttled as above (operation name `SimulatePrincipalPolicy`); a principal moto does not know
    is NoSuchEntity; no ActionNames, an action without a `service:` prefix, a MaxItems outside
    1..1000, a Marker it did not give, a ContextEntry without a name or with an unknown type is
    InvalidInput;
  - each request is appended as one JSON line (principal, actions, resources, context entries,
    MaxItems, Marker) to the file in MOTO_SIMULATOR_LOG when that is set: the response has no
    field that echoes the context, so tests read what was sent there.
- STS AssumeRole of a role ARN matching `refuseAssumeRole` is AccessDenied (moto's STS never
  refuses: the one way to test a refused account).
- GetAccountAuthorizationDetails gives each entry of `Policies` its PolicyName and PolicyId, as
  AWS does (moto 5.2.1's serializer looks for `policy_name`/`policy_id`, which its managed
  policies lack, and leaves both out).
- IAM PutUserPermissionsBoundary and DeleteUserPermissionsBoundary (moto has only the role
  variants) behave as moto's role variants: the boundary must be a policy ARN (else
  InvalidParameterValue), an unknown user is NoSuchEntity; the user's boundary
  (`permissions_boundary_arn`, as on moto's Role) shows in GetUser and in the UserDetailList of
  GetAccountAuthorizationDetails (PermissionsBoundaryType PermissionsBoundaryPolicy). Deleting a
  boundary the user does not have succeeds, as for a role.
- SetDefaultPolicyVersion of the version that is already the default keeps it the default (moto
  5.2.1 clears its IsDefaultVersion flag: it sets the new default's flag, then clears the old
  default's, the same version).
- moto's CreatePolicy and CreatePolicyVersion do not enforce the 6,144-character limit of a
  managed policy (only the 5-version limit); the emulator leaves it so: iamtrail checks the size
  itself.

Run: python3 test/moto/moto_advisor.py -H 127.0.0.1 -p PORT (the arguments of moto_server).
"""

import copy
import fnmatch
import json
import os
import re
import sys
import threading
import uuid
from datetime import datetime, timezone

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.iam.exceptions import IAMException, NotFoundException
from moto.iam.models import ManagedPolicy, Policy, User
from moto.iam.responses import IamResponse
from moto.sts.responses import TokenResponse

FIXTURE_PATH = os.environ.get(
    "MOTO_ADVISOR_FIXTURE", os.path.join(os.path.dirname(__file__), "advisor-fixture.json")
)
with open(FIXTURE_PATH, encoding="utf-8") as handle:
    FIXTURE = json.load(handle)
SIMULATOR_FIXTURE_PATH = os.environ.get("MOTO_SIMULATOR_FIXTURE")
if SIMULATOR_FIXTURE_PATH:
    with open(SIMULATOR_FIXTURE_PATH, encoding="utf-8") as handle:
        SIMULATOR = json.load(handle)
else:
    SIMULATOR = FIXTURE.get("simulator", {})
SIMULATOR_LOG = os.environ.get("MOTO_SIMULATOR_LOG")

LOCK = threading.Lock()
JOBS: dict = {}
THROTTLE_COUNTS: dict = {}
ARN_PATTERN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):(user|role|group|policy)/(?:.*/)?([^/]+)$")


class Throttling(ServiceException):
    code = "Throttling"
    message = "Rate exceeded"


class AccessDenied(ServiceException):
    code = "AccessDenied"


class InvalidInput(ServiceException):
    code = "InvalidInput"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _matches(patterns: list, arn: str) -> dict | None:
    for entry in patterns:
        if re.search(entry["pattern"], arn):
            return entry
    return None


def _throttle(operation: str, arn: str) -> None:
    rule = _matches(FIXTURE.get("throttled", []), arn)
    if rule is None or operation not in rule.get("operations", [operation]):
        return
    with LOCK:
        key = (operation, arn)
        THROTTLE_COUNTS[key] = THROTTLE_COUNTS.get(key, 0) + 1
        count = THROTTLE_COUNTS[key]
    if count <= rule["calls"]:
        raise Throttling()


def _substitute(value, arn: str):
    if isinstance(value, str):
        return value.replace("{arn}", arn)
    if isinstance(value, list):
        return [_substitute(item, arn) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, arn) for key, item in value.items()}
    return value


def _require_entity(response: IamResponse, arn: str) -> None:
    """NoSuchEntity unless moto holds the entity in the caller's account, as IAM answers."""
    match = ARN_PATTERN.match(arn or "")
    if match is None:
        raise InvalidInput(f"ARN {arn} is not valid.")
    account, kind, name = match.groups()
    backend = response.backend
    if _matches(FIXTURE.get("deleteOnGenerate", []), arn) is not None and account == response.current_account:
        try:
            if kind == "role":
                backend.delete_role(name)
            elif kind == "user":
                backend.delete_user(name)
        except Exception:  # already gone
            pass
    if account != response.current_account:
        raise NotFoundException(f"The entity {arn} cannot be found.")
    try:
        if kind == "role":
            backend.get_role(name)
        elif kind == "user":
            backend.get_user(name)
        elif kind == "group":
            backend.get_group(name)
        else:
            backend.get_policy(arn)
    except Exception as error:
        raise NotFoundException(f"The entity {arn} cannot be found.") from error


def _job_of(response: IamResponse) -> dict:
    job_id = response._get_param("JobId")
    with LOCK:
        job = JOBS.get(job_id)
    if job is None or job["accessKey"] != response.get_access_key():
        raise NotFoundException(f"No job found with JobId {job_id}.")
    return job


def _poll(job: dict) -> str:
    with LOCK:
        job["polls"] += 1
        polls = job["polls"]
    if polls <= FIXTURE.get("inProgressPolls", 1):
        return "IN_PROGRESS"
    if _matches(FIXTURE.get("failed", []), job["arn"]) is not None:
        return "FAILED"
    return "COMPLETED"


def _page(response: IamResponse, items: list) -> tuple[list, dict]:
    max_items = int(response._get_param("MaxItems") or FIXTURE.get("defaultMaxItems", 100))
    start = int(response._get_param("Marker") or 0)
    page = items[start : start + max_items]
    more = start + max_items < len(items)
    return page, ({"IsTruncated": True, "Marker": str(start + max_items)} if more else {"IsTruncated": False})


def generate_service_last_accessed_details(self: IamResponse) -> ActionResult:
    arn = self._get_param("Arn")
    _throttle("GenerateServiceLastAccessedDetails", arn)
    _require_entity(self, arn)
    job_id = str(uuid.uuid4())
    with LOCK:
        JOBS[job_id] = {
            "arn": arn,
            "granularity": self._get_param("Granularity") or "SERVICE_LEVEL",
            "accessKey": self.get_access_key(),
            "created": _now(),
            "polls": 0,
        }
    return ActionResult({"JobId": job_id})


def _finished(job: dict, status: str) -> dict:
    result = {"JobStatus": status, "JobCreationDate": job["created"]}
    if status == "COMPLETED":
        result["JobCompletionDate"] = FIXTURE.get("jobCompletionDate", job["created"])
    if status == "FAILED":
        rule = _matches(FIXTURE["failed"], job["arn"])
        result["JobCompletionDate"] = job["created"]
        result["Error"] = {"Message": rule["message"], "Code": rule.get("code", "InternalError")}
    return result


def get_service_last_accessed_details(self: IamResponse) -> ActionResult:
    job = _job_of(self)
    _throttle("GetServiceLastAccessedDetails", job["arn"])
    status = _poll(job)
    result = _finished(job, status)
    result["JobType"] = job["granularity"]
    services = []
    if status == "COMPLETED":
        for service in _substitute(copy.deepcopy(FIXTURE["services"]), job["arn"]):
            if job["granularity"] != "ACTION_LEVEL":
                service.pop("TrackedActionsLastAccessed", None)
            services.append(service)
    page, paging = _page(self, services)
    result["ServicesLastAccessed"] = page
    result.update(paging)
    return ActionResult(result)


def get_service_last_accessed_details_with_entities(self: IamResponse) -> ActionResult:
    job = _job_of(self)
    namespace = self._get_param("ServiceNamespace")
    status = _poll(job)
    result = _finished(job, status)
    entities = []
    if status == "COMPLETED":
        for service in _substitute(copy.deepcopy(FIXTURE["services"]), job["arn"]):
            entity = service.get("LastAuthenticatedEntity")
            if service["ServiceNamespace"] == namespace and entity:
                match = ARN_PATTERN.match(entity)
                kind = match.group(2).upper() if match else "USER"
                name = match.group(3) if match else entity
                entities.append(
                    {
                        "EntityInfo": {"Arn": entity, "Name": name, "Type": kind, "Id": name.upper()},
                        "LastAuthenticated": service.get("LastAuthenticated"),
                    }
                )
    page, paging = _page(self, entities)
    result["EntityDetailsList"] = page
    result.update(paging)
    return ActionResult(result)


DECISIONS = ("allowed", "explicitDeny", "implicitDeny")
CONTEXT_KEY_TYPES = (
    "string", "stringList", "numeric", "numericList", "boolean", "booleanList",
    "ip", "ipList", "binary", "binaryList", "date", "dateList",
)


def _simulation_context(entries: list) -> dict:
    """The request's ContextEntries by lower-cased key name → values; InvalidInput when malformed."""
    context = {}
    for entry in entries:
        name = entry.get("ContextKeyName")
        kind = entry.get("ContextKeyType")
        if not name:
            raise InvalidInput("ContextKeyName is required in every ContextEntry.")
        if kind not in CONTEXT_KEY_TYPES:
            raise InvalidInput(f"Invalid ContextKeyType {kind} for the context key {name}.")
        context[name.lower()] = [str(value) for value in entry.get("ContextKeyValues") or []]
    return context


def _simulated(principal: str, action: str, resource: str, context: dict) -> dict:
    """The fixture's answer for one (action, resource): decision, matched statements, missing keys."""
    for rule in SIMULATOR.get("rules", []):
        if not re.search(rule["principal"], principal):
            continue
        if not fnmatch.fnmatchcase(action.lower(), rule.get("action", "*").lower()):
            continue
        if not fnmatch.fnmatchcase(resource, rule.get("resource", "*")):
            continue
        wanted = rule.get("context", {})
        if any(not set(values) & set(context.get(key.lower(), [])) for key, values in wanted.items()):
            continue
        if rule["decision"] not in DECISIONS:
            raise ValueError(f"fixture: decision {rule['decision']} is not one of {DECISIONS}")
        return {
            "decision": rule["decision"],
            "matched": copy.deepcopy(rule.get("matched", [])),
            "missing": [key for key in rule.get("missingContextValues", []) if key.lower() not in context],
            "details": copy.deepcopy(rule.get("details", {})),
        }
    return {"decision": "implicitDeny", "matched": [], "missing": [], "details": {}}


def _log_simulation(request: dict) -> None:
    if not SIMULATOR_LOG:
        return
    with LOCK, open(SIMULATOR_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(request) + "\n")


def simulate_principal_policy(self: IamResponse) -> ActionResult:
    arn = self._get_param("PolicySourceArn") or ""
    actions = self._get_param("ActionNames", []) or []
    resources = self._get_param("ResourceArns", []) or []
    entries = self._get_param("ContextEntries", []) or []
    max_items = self._get_param("MaxItems")
    marker = self._get_param("Marker")
    _log_simulation(
        {
            "principal": arn,
            "actions": actions,
            "resources": resources,
            "contextEntries": entries,
            "maxItems": max_items,
            "marker": marker,
        }
    )
    _throttle("SimulatePrincipalPolicy", arn)
    if not actions:
        raise InvalidInput("ActionNames must contain at least one action.")
    for action in actions:
        if not re.match(r"^[\w-]+:[\w*?-]+$", action):
            raise InvalidInput(f"Action {action} is not valid: it must be service:Action.")
    if max_items is not None and not 1 <= int(max_items) <= 1000:
        raise InvalidInput(f"MaxItems {max_items} is not between 1 and 1000.")
    if marker is not None and not re.match(r"^sim-\d+$", marker):
        raise InvalidInput(f"Marker {marker} is not valid.")
    context = _simulation_context(entries)
    match = ARN_PATTERN.match(arn)
    if match is None or match.group(2) == "policy":
        raise InvalidInput(f"PolicySourceArn {arn} is not the ARN of a user, group or role.")
    _require_entity(self, arn)

    grouped = _matches([{"pattern": pattern} for pattern in SIMULATOR.get("groupByAction", [])], arn) is not None
    results = []
    for action in actions:
        answers = [(resource, _simulated(arn, action, resource, context)) for resource in resources or ["*"]]
        if grouped:
            decisions = [answer["decision"] for _, answer in answers]
            decision = (
                "explicitDeny"
                if "explicitDeny" in decisions
                else "allowed"
                if all(one == "allowed" for one in decisions)
                else "implicitDeny"
            )
            results.append(
                {
                    "EvalActionName": action,
                    "EvalResourceName": "*",
                    "EvalDecision": decision,
                    "MatchedStatements": [statement for _, answer in answers for statement in answer["matched"]],
                    "MissingContextValues": sorted({key for _, answer in answers for key in answer["missing"]}),
                    "ResourceSpecificResults": [
                        {
                            "EvalResourceName": resource,
                            "EvalResourceDecision": answer["decision"],
                            "MatchedStatements": answer["matched"],
                            "MissingContextValues": answer["missing"],
                            **{
                                key: value
                                for key, value in answer["details"].items()
                                if key in ("EvalDecisionDetails", "PermissionsBoundaryDecisionDetail")
                            },
                        }
                        for resource, answer in answers
                    ],
                }
            )
        else:
            for resource, answer in answers:
                results.append(
                    {
                        "EvalActionName": action,
                        "EvalResourceName": resource,
                        "EvalDecision": answer["decision"],
                        "MatchedStatements": answer["matched"],
                        "MissingContextValues": answer["missing"],
                        **answer["details"],
                    }
                )

    size = int(max_items or SIMULATOR.get("defaultMaxItems", 100))
    start = int(marker[4:]) if marker else 0
    if start > len(results):
        raise InvalidInput(f"Marker {marker} is not valid.")
    page = results[start : start + size]
    more = start + size < len(results)
    answer = {"EvaluationResults": page, "IsTruncated": more}
    if more:
        answer["Marker"] = f"sim-{start + size}"
    return ActionResult(answer)


def put_user_permissions_boundary(self: IamResponse) -> EmptyResult:
    boundary = self._get_param("PermissionsBoundary") or ""
    user_name = self._get_param("UserName")
    # moto's put_role_permissions_boundary checks the ARN before the entity, as here.
    if not self.backend.policy_arn_regex.match(boundary):
        raise IAMException(
            "InvalidParameterValue",
            f"Value ({boundary}) for parameter PermissionsBoundary is invalid.",
        )
    user = self.backend.get_user(user_name)
    user.permissions_boundary_arn = boundary
    return EmptyResult()


def delete_user_permissions_boundary(self: IamResponse) -> EmptyResult:
    user = self.backend.get_user(self._get_param("UserName"))
    user.permissions_boundary_arn = None
    return EmptyResult()


def _user_permissions_boundary(user: User) -> dict | None:
    arn = getattr(user, "permissions_boundary_arn", None)
    if not arn:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


def update_default_version(self: Policy, new_default_version_id: str) -> None:
    for version in self.versions:
        version.is_default = version.version_id == new_default_version_id
    self.default_version_id = new_default_version_id


ORIGINAL_ASSUME_ROLE = TokenResponse.assume_role


def assume_role(self: TokenResponse) -> ActionResult:
    role_arn = self._get_param("RoleArn") or ""
    for pattern in FIXTURE.get("refuseAssumeRole", []):
        if re.search(pattern, role_arn):
            raise AccessDenied(
                f"User: arn:aws:iam::{self.current_account}:user/moto is not authorized to perform: "
                f"sts:AssumeRole on resource: {role_arn}"
            )
    return ORIGINAL_ASSUME_ROLE(self)


IamResponse.generate_service_last_accessed_details = generate_service_last_accessed_details
IamResponse.get_service_last_accessed_details = get_service_last_accessed_details
IamResponse.get_service_last_accessed_details_with_entities = get_service_last_accessed_details_with_entities
IamResponse.simulate_principal_policy = simulate_principal_policy
IamResponse.put_user_permissions_boundary = put_user_permissions_boundary
IamResponse.delete_user_permissions_boundary = delete_user_permissions_boundary
User.permissions_boundary = property(_user_permissions_boundary)
Policy.update_default_version = update_default_version
TokenResponse.assume_role = assume_role
ManagedPolicy.policy_name = property(lambda self: self.name)
ManagedPolicy.policy_id = property(lambda self: self.id)

# MOTO_ADVISOR_CREATED_AT (ISO time): every role created is dated so, as if made long ago, for
# tests whose period must begin after the role was created (moto dates it now).
CREATED_AT = os.environ.get("MOTO_ADVISOR_CREATED_AT")
if CREATED_AT:
    from moto.iam.models import Role

    ORIGINAL_ROLE_INIT = Role.__init__

    def _dated_role_init(self, *args, **kwargs):
        ORIGINAL_ROLE_INIT(self, *args, **kwargs)
        self.create_date = datetime.fromisoformat(CREATED_AT.replace("Z", "+00:00"))

    Role.__init__ = _dated_role_init

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
