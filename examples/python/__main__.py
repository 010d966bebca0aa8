"""License Manager configurations with alerts, and a workbench account's forwarder, from Python.

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

pulumi.export("configurationArns", licenses.configuration_arns)
pulumi.export("alertTopicArn", licenses.alert_topic_arn)
pulumi.export("forwarderFunctionName", forwarder.forwarder_function_name)
