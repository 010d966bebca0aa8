import { LicenseManagerClient } from "@aws-sdk/client-license-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { awsCheckerPorts } from "./awsPorts";
import { CheckResult, checkUtilisation } from "./checker";
import { readCheckerSettings } from "./environment";
import { powertoolsTelemetry } from "../shared/powertools";

// Created once per container. A misconfigured environment fails the cold start loudly (errors alarm).
// Endpoints come from the SDK's standard AWS_ENDPOINT_URL_* variables, which is how the local sandbox runs this
// same bundle against its stand-ins.
const settings = readCheckerSettings(process.env);
const ports = awsCheckerPorts(new LicenseManagerClient({}), new SNSClient({}), new SSMClient({}), settings.topicArn, settings.stateParameterName);
const telemetry = powertoolsTelemetry("license-utilisation-checker");

/** Scheduled (EventBridge): the event carries nothing the check needs. */
export async function handler(): Promise<CheckResult> {
    try {
        return await checkUtilisation(settings, ports, telemetry, new Date());
    } finally {
        telemetry.flush();
    }
}
