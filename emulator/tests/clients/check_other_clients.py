"""Drives a running workmail-emulator with boto3 and the AWS CLI, the other clients people use.

Usage: python3 check_other_clients.py PATH_TO_workmail-emulator
Prints one line per check and a closing 'N passed, N failed' line; exits non-zero on failure.
"""

import json
import os
import subprocess
import sys
import tempfile

import boto3
import botocore.exceptions

ORG = "m-0123456789abcdef0123456789abcdef"
results = []


def check(name, condition, detail=""):
    results.append(bool(condition))
    print(f"{'ok  ' if condition else 'FAIL'} {name}{'' if condition else ': ' + str(detail)}")


def error_code(call):
    try:
        call()
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"]
    return None


def main(binary):
    with tempfile.TemporaryDirectory() as tmp:
        emulator = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--seed", "demo", "--db", os.path.join(tmp, "db.sqlite")],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = emulator.stdout.readline().strip()
            url = line.removeprefix("listening on ")
            check("emulator prints its URL", url.startswith("http://127.0.0.1:"), line)
            run_checks(url)
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
    passed = sum(results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def run_checks(url):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(key, None)
    client = boto3.client(
        "workmail", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )
    jane = client.describe_user(OrganizationId=ORG, UserId="jane.doe")
    check("boto3 DescribeUser", jane["Email"] == "jane.doe@demo.example.com", jane)
    check("boto3 parses timestamps", hasattr(jane.get("EnabledDate"), "year"), jane.get("EnabledDate"))

    client.update_user(OrganizationId=ORG, UserId="jane.doe", JobTitle="Principal Engineer", Office="")
    jane = client.describe_user(OrganizationId=ORG, UserId="jane.doe")
    check("boto3 UpdateUser sets and clears", jane["JobTitle"] == "Principal Engineer" and "Office" not in jane, jane)

    code = error_code(lambda: client.update_user(OrganizationId=ORG, UserId="jane.doe", DisplayName="x" * 257))
    check("boto3 sees InvalidParameterException", code == "InvalidParameterException", code)
    try:
        client.describe_user(OrganizationId=ORG, UserId="nobody")
        check("boto3 maps modelled exceptions", False, "no error")
    except client.exceptions.EntityNotFoundException:
        check("boto3 maps modelled exceptions", True)

    paginator = client.get_paginator("list_users")
    names = [u["Name"] for page in paginator.paginate(OrganizationId=ORG, PaginationConfig={"PageSize": 7}) for u in page["Users"]]
    check("boto3 paginator sees every user once", len(names) == 50 and len(set(names)) == 50, len(names))
    enabled = [u for page in paginator.paginate(OrganizationId=ORG, Filters={"State": "ENABLED"}) for u in page["Users"]]
    check("boto3 ListUsers filters", enabled and all(u["State"] == "ENABLED" for u in enabled), len(enabled))

    user_id = client.create_user(OrganizationId=ORG, Name="boto.user", DisplayName="Boto User")["UserId"]
    client.register_to_work_mail(OrganizationId=ORG, EntityId=user_id, Email="boto.user@demo.example.com")
    client.deregister_from_work_mail(OrganizationId=ORG, EntityId=user_id)
    client.delete_user(OrganizationId=ORG, UserId=user_id)
    state = client.describe_user(OrganizationId=ORG, UserId=user_id)["State"]
    check("boto3 user lifecycle", state == "DELETED", state)

    orgs = client.list_organizations()["OrganizationSummaries"]
    check("boto3 ListOrganizations", any(o["OrganizationId"] == ORG for o in orgs), orgs)
    wrong = boto3.client("workmail", endpoint_url=url, region_name="us-east-1",
                         aws_access_key_id="test", aws_secret_access_key="wrong")
    code = error_code(lambda: wrong.describe_user(OrganizationId=ORG, UserId="jane.doe"))
    check("boto3 with a wrong secret is refused", code == "InvalidSignatureException", code)

    def cli(*args):
        return subprocess.run(["aws", "--endpoint-url", url, "--output", "json", "workmail", *args],
                              env=env, capture_output=True, text=True)

    out = cli("describe-user", "--organization-id", ORG, "--user-id", "jane.doe@demo.example.com")
    check("aws cli describe-user", out.returncode == 0 and json.loads(out.stdout or "{}").get("Name") == "jane.doe", out.stderr)
    out = cli("update-user", "--organization-id", ORG, "--user-id", "jane.doe", "--city", "Tacoma")
    check("aws cli update-user", out.returncode == 0, out.stderr)
    out = cli("list-users", "--organization-id", ORG, "--page-size", "9")
    users = json.loads(out.stdout or "{}").get("Users", [])
    check("aws cli list-users pages through all", out.returncode == 0 and len(users) == 51, f"{len(users)} {out.stderr}")
    out = cli("describe-user", "--organization-id", ORG, "--user-id", "nobody")
    check("aws cli shows the error name", out.returncode != 0 and "EntityNotFoundException" in out.stderr, out.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
