import { EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { LOCAL_CLIENT_CONFIG } from "../../../sandbox/aws/awsJsonServer";
import { Ec2Standin, startEc2Standin } from "../../../sandbox/aws/ec2Standin";
import { EventBridgeStandin, startEventBridgeStandin } from "../../../sandbox/aws/eventBridgeStandin";
import { RecordingTelemetry } from "../../support/recordingTelemetry";

/** A workbench account as its handlers meet it: EC2 and EventBridge stand-ins, the real SDK clients, telemetry. */
export interface WorkbenchAccountStandins {
    ec2: Ec2Standin;
    bus: EventBridgeStandin;
    ec2Client: EC2Client;
    eventBridgeClient: EventBridgeClient;
    /** Fresh for each test. */
    telemetry: RecordingTelemetry;
}

/**
 * Registers the suite's hooks (call inside `describe`): the stand-ins start before the suite and close after it,
 * and are emptied before each test (instances, states, page size, calls, events). EventBridge is not retried by
 * the client (a refusal is the test's to see); EC2 is tried `ec2MaxAttempts` times.
 */
export function workbenchAccountStandins(options: { ec2MaxAttempts: number }): WorkbenchAccountStandins {
    const account = {} as WorkbenchAccountStandins;
    before(async () => {
        account.ec2 = await startEc2Standin();
        account.bus = await startEventBridgeStandin();
        account.ec2Client = new EC2Client({ ...LOCAL_CLIENT_CONFIG, endpoint: account.ec2.endpoint, maxAttempts: options.ec2MaxAttempts });
        account.eventBridgeClient = new EventBridgeClient({ ...LOCAL_CLIENT_CONFIG, endpoint: account.bus.endpoint, maxAttempts: 1 });
    });
    after(async () => {
        account.ec2Client?.destroy();
        account.eventBridgeClient?.destroy();
        await account.ec2?.close();
        await account.bus?.close();
    });
    beforeEach(() => {
        account.telemetry = new RecordingTelemetry();
        account.ec2.instances.clear();
        account.ec2.states.clear();
        account.ec2.calls.length = 0;
        account.ec2.pageSize = 1000;
        account.bus.events.length = 0;
    });
    return account;
}
