import { HUB_CONFIGURATION_ENVIRONMENT } from "../../functions/hub-shared/environment";
import { HubConfiguration, parseHubConfiguration } from "../../functions/hub-shared/hubConfiguration";
import type { LocalDeployment, LocalFunction } from "./deployment";

/** The hub configuration object a deployed hub function reads, as the stack declared it (checked like the function checks it). */
export function deployedHubConfiguration(deployment: LocalDeployment, fn: LocalFunction): HubConfiguration {
    const bucket = fn.environment[HUB_CONFIGURATION_ENVIRONMENT.bucket];
    const key = fn.environment[HUB_CONFIGURATION_ENVIRONMENT.key];
    const object = deployment.objects.find((o) => o.bucket === bucket && o.key === key);
    if (!object) throw new Error(`${fn.name}: its hub configuration s3://${bucket}/${key} is not part of the deployment`);
    return parseHubConfiguration(object.key, object.content);
}
