/**
 * A local stand-in for STS AssumeRole. @aws-sdk/client-sts speaks the AWS Query protocol (form-encoded POST, XML
 * answers). The caller is named by the endpoint's path (`callerEndpoint`, as for EventBridge), and `authorize`
 * decides with the caller's identity policies and the role's trust policy; the credentials it hands out name the
 * assumed role, so the services called with them (the Organizations stand-in) know who calls. Listens on 127.0.0.1.
 */
import { randomBytes, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { callerOf } from "./eventBridgeStandin";
import { keepAliveLikeAws } from "./keepAlive";
import { escapeXml } from "./snsStandin";

/** A session AssumeRole created: the role its credentials act as. */
export interface AssumedSession {
    roleArn: string;
    sessionName: string;
}

export interface StsStandin {
    /** `http://127.0.0.1:<port>`; give a caller `callerEndpoint(endpoint, principalArn)`. */
    endpoint: string;
    /** Why `callerArn` may not assume `roleArn` (undefined: it may). Default: nobody may. */
    authorize: (callerArn: string, roleArn: string) => Promise<string | undefined>;
    /** The session an access key id belongs to (undefined: not one this stand-in issued). */
    sessionOf(accessKeyId: string): AssumedSession | undefined;
    /** Every AssumeRole call, allowed or not. */
    calls: Array<{ caller?: string; roleArn: string; allowed: boolean }>;
    close(): Promise<void>;
}

const XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

export async function startStsStandin(port = 0): Promise<StsStandin> {
    const sessions = new Map<string, AssumedSession>();
    const calls: StsStandin["calls"] = [];
    const standin: Omit<StsStandin, "endpoint" | "close"> = {
        authorize: async () => "no authorizer is configured",
        sessionOf: (accessKeyId) => sessions.get(accessKeyId),
        calls,
    };
    const server = keepAliveLikeAws(
        http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", async () => {
                const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
                const requestId = randomUUID();
                const reply = (status: number, xml: string) => {
                    res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
                    res.end(xml);
                };
                const error = (status: number, code: string, message: string) =>
                    reply(status, `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
                if (params.get("Action") !== "AssumeRole") return error(400, "InvalidAction", `stand-in does not implement ${params.get("Action")}`);
                const roleArn = params.get("RoleArn") ?? "";
                const sessionName = params.get("RoleSessionName") ?? "";
                const duration = Number(params.get("DurationSeconds") ?? 3600);
                const role = ROLE_ARN.exec(roleArn);
                if (!role) return error(400, "ValidationError", `${roleArn} is not a role ARN`);
                if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) return error(400, "ValidationError", "RoleSessionName must be 2 to 64 characters of [\\w+=,.@-]");
                if (!(duration >= 900 && duration <= 43_200)) return error(400, "ValidationError", "DurationSeconds must be from 900 to 43200");
                const caller = callerOf(req.url ?? "/");
                const denial = caller ? await standin.authorize(caller, roleArn).catch((err: Error) => `the sandbox could not decide: ${err.message}`) : "the request names no calling principal";
                calls.push({ caller, roleArn, allowed: denial === undefined });
                if (denial) return error(403, "AccessDenied", `User: ${caller ?? "(anonymous)"} is not authorized to perform: sts:AssumeRole on resource: ${roleArn} (${denial})`);
                const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
                sessions.set(accessKeyId, { roleArn, sessionName });
                const partition = roleArn.split(":")[1];
                const expiration = new Date(Date.now() + duration * 1000).toISOString();
                reply(
                    200,
                    `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult><Credentials><AccessKeyId>${accessKeyId}</AccessKeyId>` +
                        `<SecretAccessKey>${randomBytes(20).toString("hex")}</SecretAccessKey><SessionToken>${randomBytes(32).toString("base64")}</SessionToken>` +
                        `<Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA${role[1]}:${sessionName}</AssumedRoleId>` +
                        `<Arn>arn:${partition}:sts::${role[1]}:assumed-role/${role[2]}/${sessionName}</Arn></AssumedRoleUser></AssumeRoleResult>` +
                        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
                );
            });
        }),
    );
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const { port: bound } = server.address() as AddressInfo;
    return Object.assign(standin, {
        endpoint: `http://127.0.0.1:${bound}`,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    });
}
