import * as pulumi from "@pulumi/pulumi";
import { AlertTopic } from "../components/shared/alertTopic";
import { assertSettings } from "./settings";

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** The alerts setting every role takes: an existing topic, or addresses for a topic the stack creates. */
export type AlertsSetting = { topicArn: string } | { emails: string[] };

/**
 * Reads `alertTopicArn` (an existing SNS topic; its policy, and its key's, must let cloudwatch.amazonaws.com
 * publish, and budgets.amazonaws.com too when the stack has budgets) or `alertEmails`. One of the two is required: an alarm without actions is an alarm nobody sees.
 */
export function readAlertsSetting(config: pulumi.Config): AlertsSetting {
    const topicArn = config.get("alertTopicArn") || undefined;
    if (topicArn !== undefined) {
        if (!SNS_TOPIC_ARN.test(topicArn)) {
            assertSettings([`alertTopicArn: "${topicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`]);
        }
        return { topicArn };
    }
    const emails = config.getObject<string[]>("alertEmails") ?? [];
    if (!Array.isArray(emails) || emails.length === 0 || !emails.every((e) => typeof e === "string")) {
        assertSettings([
            "alertTopicArn or alertEmails is required: every alarm needs somewhere to go. " +
                "Set `pulumi config set alertTopicArn <existing SNS topic ARN>` or `pulumi config set --path 'alertEmails[0]' <address>`",
        ]);
    }
    return { emails };
}

/** The topic every alarm of a workbench-account or license-server stack notifies: the setting's, or a new AlertTopic. */
export function stackAlertTopicArn(config: pulumi.Config): pulumi.Output<string> {
    const setting = readAlertsSetting(config);
    return "topicArn" in setting ? pulumi.output(setting.topicArn) : new AlertTopic("alerts", { emailAddresses: setting.emails }).topicArn;
}
