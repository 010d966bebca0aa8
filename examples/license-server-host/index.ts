import * as pulumi from "@pulumi/pulumi";
import { licenseServerHost } from "./host";

const config = new pulumi.Config();
const host = licenseServerHost({
    workbenchAccountIds: config.requireObject<string[]>("workbenchAccountIds"),
    seats: config.getNumber("seats") ?? 10,
    instanceType: config.get("instanceType") ?? "t3.small",
});

export const vpcId = host.vpcId;
export const licenseServerInstanceId = host.licenseServerInstanceId;
export const hubEventBusArn = host.hubEventBusArn;
export const documentName = host.documentName;
