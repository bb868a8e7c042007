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

    # Addresses. The alias operations and ResetPassword take a WorkMailIdentifier (12 or more
    # characters), so they are given ids, not the short name jane.doe.
    jane_id = client.describe_user(OrganizationId=ORG, UserId="jane.doe")["UserId"]
    seeded_aliases = ["jane@demo.example.com", "j.doe@demo.example.com"]
    aliases = client.list_aliases(OrganizationId=ORG, EntityId=jane_id)["Aliases"]
    check("boto3 ListAliases", sorted(aliases) == sorted(seeded_aliases), aliases)
    alias_paginator = client.get_paginator("list_aliases")
    paged = [a for page in alias_paginator.paginate(OrganizationId=ORG, EntityId=jane_id,
                                                     PaginationConfig={"PageSize": 1})
             for a in page["Aliases"]]
    check("boto3 ListAliases paginator", sorted(paged) == sorted(seeded_aliases), paged)
    client.create_alias(OrganizationId=ORG, EntityId=jane_id, Alias="jd.boto@demo.example.com")
    aliases = client.list_aliases(OrganizationId=ORG, EntityId=jane_id)["Aliases"]
    check("boto3 CreateAlias", "jd.boto@demo.example.com" in aliases and len(aliases) == 3, aliases)
    try:
        client.create_alias(OrganizationId=ORG, EntityId=jane_id, Alias="sam.contractor@demo.example.com")
        check("boto3 CreateAlias of an address in use", False, "no error")
    except client.exceptions.EmailAddressInUseException:
        check("boto3 CreateAlias of an address in use", True)
    code = error_code(lambda: client.create_alias(OrganizationId=ORG, EntityId=jane_id,
                                                  Alias="jane.doe@elsewhere.example.org"))
    check("boto3 CreateAlias outside the org's domains", code == "MailDomainNotFoundException", code)
    client.delete_alias(OrganizationId=ORG, EntityId=jane_id, Alias="jd.boto@demo.example.com")
    aliases = client.list_aliases(OrganizationId=ORG, EntityId=jane_id)["Aliases"]
    check("boto3 DeleteAlias", sorted(aliases) == sorted(seeded_aliases), aliases)

    # Passwords.
    client.reset_password(OrganizationId=ORG, UserId=jane_id, Password="Boto-Passw0rd!")
    check("boto3 ResetPassword", True)
    try:
        client.reset_password(OrganizationId=ORG, UserId=jane_id, Password="password")
        check("boto3 ResetPassword refuses a weak password", False, "no error")
    except client.exceptions.InvalidPasswordException:
        check("boto3 ResetPassword refuses a weak password", True)

    # Groups: the demo has all-staff, one per department (8), 3 projects and alumni-2023.
    group_paginator = client.get_paginator("list_groups")
    groups = [g for page in group_paginator.paginate(OrganizationId=ORG, PaginationConfig={"PageSize": 4})
              for g in page["Groups"]]
    group_names = [g["Name"] for g in groups]
    check("boto3 ListGroups paginator sees every group once",
          len(group_names) == 13 and len(set(group_names)) == 13, group_names)
    check("boto3 ListGroups lists the demo groups",
          {"all-staff", "engineering", "legal", "project-atlas", "incident-response", "alumni-2023"} <= set(group_names),
          group_names)
    atlas = next((g for g in groups if g["Name"] == "project-atlas"), {})
    check("boto3 ListGroups gives group emails", atlas.get("Email") == "project-atlas@demo.example.com", atlas)
    projects = [g["Name"] for page in group_paginator.paginate(OrganizationId=ORG, Filters={"NamePrefix": "project-"})
                for g in page["Groups"]]
    check("boto3 ListGroups NamePrefix filter", sorted(projects) == ["project-atlas", "project-borealis"], projects)
    by_email = [g["Name"] for g in client.list_groups(
        OrganizationId=ORG, Filters={"PrimaryEmailPrefix": "incident"})["Groups"]]
    check("boto3 ListGroups PrimaryEmailPrefix filter", by_email == ["incident-response"], by_email)
    disabled_groups = [g for g in client.list_groups(OrganizationId=ORG, Filters={"State": "DISABLED"})["Groups"]]
    check("boto3 ListGroups State filter",
          [g["Name"] for g in disabled_groups] == ["alumni-2023"] and "Email" not in disabled_groups[0],
          disabled_groups)

    group = client.describe_group(OrganizationId=ORG, GroupId="incident-response")
    check("boto3 DescribeGroup", group.get("Email") == "incident-response@demo.example.com"
          and group.get("State") == "ENABLED" and hasattr(group.get("EnabledDate"), "year"), group)
    members = client.list_group_members(OrganizationId=ORG, GroupId="incident-response")["Members"]
    check("boto3 ListGroupMembers shows a GROUP member",
          {(m["Name"], m["Type"]) for m in members} == {("jane.doe", "USER"), ("it", "GROUP")}, members)
    code = error_code(lambda: client.describe_group(OrganizationId=ORG, GroupId="no-such-group"))
    check("boto3 DescribeGroup of an unknown group", code == "EntityNotFoundException", code)

    jane_groups = [g["GroupName"] for g in client.list_groups_for_entity(OrganizationId=ORG, EntityId="jane.doe")["Groups"]]
    check("boto3 ListGroupsForEntity",
          {"all-staff", "engineering", "project-atlas", "incident-response"} <= set(jane_groups)
          and "project-borealis" not in jane_groups, jane_groups)
    filtered = [g["GroupName"] for g in client.list_groups_for_entity(
        OrganizationId=ORG, EntityId="jane.doe", Filters={"GroupNamePrefix": "project"})["Groups"]]
    check("boto3 ListGroupsForEntity GroupNamePrefix filter", filtered == ["project-atlas"], filtered)
    it_groups = [g["GroupName"] for g in client.list_groups_for_entity(OrganizationId=ORG, EntityId="it")["Groups"]]
    check("boto3 ListGroupsForEntity of a group", it_groups == ["incident-response"], it_groups)

    group_id = client.create_group(OrganizationId=ORG, Name="boto-group")["GroupId"]
    group = client.describe_group(OrganizationId=ORG, GroupId=group_id)
    check("boto3 CreateGroup", group.get("Name") == "boto-group" and group.get("State") == "DISABLED", group)
    code = error_code(lambda: client.create_group(OrganizationId=ORG, Name="boto-group"))
    check("boto3 CreateGroup with a taken name", code == "NameAvailabilityException", code)
    client.register_to_work_mail(OrganizationId=ORG, EntityId=group_id, Email="boto-group@demo.example.com")
    group = client.describe_group(OrganizationId=ORG, GroupId=group_id)
    check("boto3 RegisterToWorkMail for a group",
          group.get("State") == "ENABLED" and group.get("Email") == "boto-group@demo.example.com", group)
    client.associate_member_to_group(OrganizationId=ORG, GroupId=group_id, MemberId=jane_id)
    members = client.list_group_members(OrganizationId=ORG, GroupId=group_id)["Members"]
    check("boto3 AssociateMemberToGroup",
          [(m["Id"], m["Name"], m["Type"]) for m in members] == [(jane_id, "jane.doe", "USER")], members)
    jane_groups = [g["GroupName"] for g in client.list_groups_for_entity(OrganizationId=ORG, EntityId=jane_id)["Groups"]]
    check("boto3 ListGroupsForEntity sees the new membership", "boto-group" in jane_groups, jane_groups)
    client.disassociate_member_from_group(OrganizationId=ORG, GroupId=group_id, MemberId=jane_id)
    members = client.list_group_members(OrganizationId=ORG, GroupId=group_id)["Members"]
    check("boto3 DisassociateMemberFromGroup", members == [], members)
    code = error_code(lambda: client.disassociate_member_from_group(OrganizationId=ORG, GroupId=group_id, MemberId=jane_id))
    check("boto3 DisassociateMemberFromGroup of a non-member", code == "EntityNotFoundException", code)

    client.update_primary_email_address(OrganizationId=ORG, EntityId=group_id, Email="boto-team@demo.example.com")
    group = client.describe_group(OrganizationId=ORG, GroupId=group_id)
    aliases = client.list_aliases(OrganizationId=ORG, EntityId=group_id)["Aliases"]
    check("boto3 UpdatePrimaryEmailAddress keeps the old address as an alias",
          group.get("Email") == "boto-team@demo.example.com" and aliases == ["boto-group@demo.example.com"],
          f"{group.get('Email')} {aliases}")
    code = error_code(lambda: client.update_primary_email_address(
        OrganizationId=ORG, EntityId=group_id, Email="jane@demo.example.com"))
    check("boto3 UpdatePrimaryEmailAddress to another's alias", code == "EmailAddressInUseException", code)
    client.deregister_from_work_mail(OrganizationId=ORG, EntityId=group_id)
    state = client.describe_group(OrganizationId=ORG, GroupId=group_id)["State"]
    check("boto3 DeregisterFromWorkMail for a group", state == "DISABLED", state)

    # Mailboxes (sizes and quotas in MB).
    mailbox = client.get_mailbox_details(OrganizationId=ORG, UserId="jane.doe")
    check("boto3 GetMailboxDetails",
          mailbox.get("MailboxQuota") == 51200 and mailbox.get("MailboxSize") == 12874.5, mailbox)
    mailbox = client.get_mailbox_details(OrganizationId=ORG, UserId="sam.contractor")
    check("boto3 GetMailboxDetails of a small mailbox",
          mailbox.get("MailboxQuota") == 2048 and mailbox.get("MailboxSize") == 1996.25, mailbox)
    client.update_mailbox_quota(OrganizationId=ORG, UserId="sam.contractor", MailboxQuota=4096)
    mailbox = client.get_mailbox_details(OrganizationId=ORG, UserId="sam.contractor")
    check("boto3 UpdateMailboxQuota then read back",
          mailbox.get("MailboxQuota") == 4096 and mailbox.get("MailboxSize") == 1996.25, mailbox)
    code = error_code(lambda: client.update_mailbox_quota(OrganizationId=ORG, UserId="sam.contractor", MailboxQuota=51201))
    check("boto3 UpdateMailboxQuota above 50 GB", code == "InvalidParameterException", code)
    disabled_user = next(u["Name"] for page in paginator.paginate(OrganizationId=ORG, Filters={"State": "DISABLED"})
                         for u in page["Users"])
    code = error_code(lambda: client.get_mailbox_details(OrganizationId=ORG, UserId=disabled_user))
    check("boto3 GetMailboxDetails of a disabled user", code == "EntityNotFoundException", f"{disabled_user} {code}")

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

    # The boto3 checks above left jane.doe with her two seeded aliases, sam.contractor with a
    # 4096 MB quota and one more group (boto-group, now disabled): 14 in all.
    out = cli("list-aliases", "--organization-id", ORG, "--entity-id", jane_id)
    aliases = json.loads(out.stdout or "{}").get("Aliases", [])
    check("aws cli list-aliases", out.returncode == 0 and sorted(aliases) == sorted(seeded_aliases), f"{aliases} {out.stderr}")
    out = cli("create-alias", "--organization-id", ORG, "--entity-id", jane_id, "--alias", "jd.cli@demo.example.com")
    listed = cli("list-aliases", "--organization-id", ORG, "--entity-id", jane_id)
    aliases = json.loads(listed.stdout or "{}").get("Aliases", [])
    check("aws cli create-alias", out.returncode == 0 and "jd.cli@demo.example.com" in aliases, f"{aliases} {out.stderr}")
    out = cli("list-groups", "--organization-id", ORG, "--page-size", "5")
    names = [g["Name"] for g in json.loads(out.stdout or "{}").get("Groups", [])]
    check("aws cli list-groups pages through all",
          out.returncode == 0 and len(names) == 14 and len(set(names)) == 14 and "boto-group" in names,
          f"{len(names)} {out.stderr}")
    out = cli("list-group-members", "--organization-id", ORG, "--group-id", "incident-response")
    members = json.loads(out.stdout or "{}").get("Members", [])
    check("aws cli list-group-members", out.returncode == 0 and
          {(m["Name"], m["Type"]) for m in members} == {("jane.doe", "USER"), ("it", "GROUP")}, f"{members} {out.stderr}")
    out = cli("get-mailbox-details", "--organization-id", ORG, "--user-id", "sam.contractor")
    mailbox = json.loads(out.stdout or "{}")
    check("aws cli get-mailbox-details", out.returncode == 0 and mailbox.get("MailboxQuota") == 4096
          and mailbox.get("MailboxSize") == 1996.25, f"{mailbox} {out.stderr}")
    out = cli("reset-password", "--organization-id", ORG, "--user-id", jane_id, "--password", "Cli-Passw0rd!")
    check("aws cli reset-password", out.returncode == 0, out.stderr)
    out = cli("reset-password", "--organization-id", ORG, "--user-id", jane_id, "--password", "password")
    check("aws cli shows InvalidPasswordException",
          out.returncode != 0 and "InvalidPasswordException" in out.stderr, out.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
