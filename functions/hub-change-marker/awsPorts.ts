import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { ChangeMarkerPorts } from "./changeMarker";

export function ssmChangeMarkerPorts(ssm: SSMClient, parameterName: string): ChangeMarkerPorts {
    return {
        async markChanged(value) {
            const { Version } = await ssm.send(new PutParameterCommand({ Name: parameterName, Value: value, Type: "String", Overwrite: true }));
            if (Version === undefined) throw new Error(`PutParameter ${parameterName} returned no version`);
            return Version;
        },
    };
}
