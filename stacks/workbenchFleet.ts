import * as pulumi from "@pulumi/pulumi";
import { regionalProvider } from "../components/shared/regionalProvider";
import { AlertTopic } from "../components/shared/alertTopic";
import { WorkbenchStackSet, WorkbenchStackSetArgs, workbenchStackSetProblems } from "../components/stackset/workbenchStackSet";
import { assertSettings } from "./settings";
import type { AlertsSetting } from "./alerts";

/** The `workbenchStackSet` setting: the StackSet's arguments, alarm topics optional (made per region from alertEmails). */
export type WorkbenchStackSetSetting = Omit<WorkbenchStackSetArgs, "alarmTopicArns"> & { alarmTopicArns?: Record<string, string> };

/**
 * Zero-touch coverage of the workbench OUs (docs/decisions/0003): the forwarder StackSet, and in each region without
 * a topic in `alarmTopicArns` an AlertTopic for the workbench accounts' alarms (the stack's `alertEmails`, admitting
 * the organisation's alarms of that region).
 */
export function deployWorkbenchStackSet(setting: WorkbenchStackSetSetting, alerts: AlertsSetting): WorkbenchStackSet {
    const topics: Record<string, pulumi.Input<string>> = { ...(setting.alarmTopicArns ?? {}) };
    const missing = (setting.regions ?? []).filter((region) => !(region in topics));
    assertSettings([
        ...workbenchStackSetProblems({ ...setting, alarmTopicArns: Object.fromEntries((setting.regions ?? []).map((r) => [r, topics[r] ?? "made here"])) }, "workbenchStackSet"),
        ...(missing.length > 0 && !("emails" in alerts)
            ? [`workbenchStackSet.alarmTopicArns: no topic for ${missing.join(", ")}; name one per region, or set alertEmails so the stack makes them`]
            : []),
    ]);
    for (const region of missing) {
        const provider = regionalProvider(`workbench-alarms-${region}`, region, {});
        topics[region] = new AlertTopic(
            `workbench-alarms-${region}`,
            { emailAddresses: "emails" in alerts ? alerts.emails : [], admitOrganizationAlarms: setting.organizationId },
            { provider },
        ).topicArn;
    }
    return new WorkbenchStackSet("workbenches", { ...setting, alarmTopicArns: topics });
}
