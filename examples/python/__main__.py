"""License Manager configurations with alerts and budgets, a workbench account's forwarder, and the organisation's
workbench guardrails and StackSet, from Python (in one program for brevity: each belongs to its own account's stack).

Values from the program's own resources (an AMI lookup, a parameter, another stack's hub bus) go straight into the
components' arguments.
"""
import pulumi
import pulumi_aws as aws
import pulumi_licensing as licensing

config = pulumi.Config()
hub_stack = pulumi.StackReference(config.require("licenseServerStack"))

workstation_ami = aws.ec2.get_ami_output(
    owners=["self"], most_recent=True, filters=[aws.ec2.GetAmiFilterArgs(name="name", values=["workstation-*"])]
)
alert_email = aws.ssm.get_parameter_output(name="/licensing/alert-email").value

licenses = licensing.LicenseConfigSet(
    "licenses",
    licenses={
        "windows-server": licensing.LicenseDefinitionArgs(
            counting_type="Core",
            license_count=64,
            rules=licensing.LicenseRulesArgs(allowed_tenancy="EC2-DedicatedHost", minimum_cores=4),
            ami_ids=[workstation_ami.id],
        ),
        "backup-agent": licensing.LicenseDefinitionArgs(
            counting_type="Instance",
            hard_limit=False,
            hard_limit_exempt_reason="Site licence - usage tracked only",
        ),
    },
    alerts=licensing.AlertSettingsArgs(
        threshold_percent=80,
        email_addresses=[alert_email],
        schedule="rate(1 hour)",
    ),
    organization_settings=licensing.OrganizationSettingsArgs(organization_integration=True, cross_account_discovery=True),
    tags={"team": "licensing"},
)

forwarder = licensing.WorkbenchAccountForwarder(
    "workbench",
    hub_event_bus_arn=hub_stack.get_output("hubEventBusArn"),
    owner_tag_key="vew:workbench:ownerId",
)

# The management account: every workbench account of the OU covered, and guarded, with no hands.
workbench_ou = config.require("workbenchOuId")
organization_id = aws.organizations.get_organization_output().id
alerts = licensing.AlertTopic("alerts", email_addresses=[alert_email], admit_budgets=True, admit_organization_alarms=organization_id)

budgets = licensing.LicenseBudgets(
    "license-spend",
    alert_topic_arn=alerts.topic_arn,
    budgets={
        "marketplace": licensing.LicenseBudgetDefinitionArgs(
            limit_amount=5000,
            time_unit="MONTHLY",
            cost_filters={"BillingEntity": ["AWS Marketplace"]},
            actual_thresholds_percent=[80, 100],
        ),
    },
)

guardrails = licensing.WorkbenchGuardrails(
    "workbench-guardrails",
    deployment_role_arns=[config.require("deploymentRoleArn")],
    provisioning_role_arns=[config.require("provisioningRoleArn")],
    target_ids=[workbench_ou],
    hub_event_bus_arn=hub_stack.get_output("hubEventBusArn"),
)

stack_set = licensing.WorkbenchStackSet(
    "workbenches",
    hub_event_bus_arn=hub_stack.get_output("hubEventBusArn"),
    organization_id=organization_id,
    organizational_unit_ids=[workbench_ou],
    regions=["eu-central-1", "eu-west-1"],
    alarm_topic_arns={"eu-central-1": alerts.topic_arn, "eu-west-1": config.require("euWest1AlarmTopicArn")},
    call_as=licensing.StackSetCallAs.SELF,
)

pulumi.export("configurationArns", licenses.configuration_arns)
pulumi.export("alertTopicArn", licenses.alert_topic_arn)
pulumi.export("forwarderFunctionName", forwarder.forwarder_function_name)
pulumi.export("budgetNames", budgets.budget_names)
pulumi.export("guardrailPolicyId", guardrails.service_control_policy_id)
pulumi.export("stackSetName", stack_set.stack_set_name)
