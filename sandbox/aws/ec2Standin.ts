import * as http from "node:http";
import { keepAliveLikeAws } from "./keepAlive";
import type { AddressInfo } from "node:net";
import { callerOf } from "./eventBridgeStandin";

/** A tag change as EC2 authorises it: `ec2:CreateTags` / `ec2:DeleteTags` on each instance, with the tag keys. */
export interface TagChangeRequest {
    action: "CreateTags" | "DeleteTags";
    instanceIds: string[];
    /** Tag keys with their values (DeleteTags: undefined when the request gives no value; no key at all: every tag). */
    tags: Record<string, string | undefined>;
}

export interface Ec2Standin {
    endpoint: string;
    /** Tags per instance id; an instance absent from the map does not exist. */
    instances: Map<string, Record<string, string>>;
    /** EC2 state per instance id (DescribeInstances); an instance with tags but no state here is `running`. */
    states: Map<string, string>;
    /**
     * When set, what DescribeInstances lists (id, tags, state) instead of `instances` and `states`: the sandbox's
     * EC2 truth (world/ec2Truth.ts), given the instances the request asked for (empty: all).
     */
    describeInstancesView?: (request: { instanceIds: string[] }) => Array<[string, { tags: Record<string, string>; state: string }]>;
    /** Instances per DescribeInstances page when the caller asks for more (so tests see pagination). Default 1000. */
    pageSize: number;
    /** Actions received, in order. */
    calls: string[];
    /**
     * Makes the next `times` requests (those `applies` accepts, when given) fail with this EC2 error code and HTTP
     * status; `consumed` hears of each failed request with the resource or instance ids it asked about (so a fault is
     * recorded against the caller that consumed it).
     */
    failNext(code: string, status: number, times?: number, consumed?: (resourceIds: string[]) => void, applies?: (action: string, filters: ReadonlyMap<string, string[]>) => boolean): void;
    /**
     * Decides a tag change before it is made: a reason refuses it with UnauthorizedOperation, as EC2 reports an
     * IAM or SCP denial. Without it, tag changes are refused (no caller may change tags unchecked).
     */
    authorizeTagChange?: (caller: string | undefined, request: TagChangeRequest) => Promise<string | undefined>;
    close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * A local stand-in for the EC2 Query API: DescribeInstances (filters tag-key and instance-id, InstanceId.N,
 * MaxResults/NextToken pages), enough for the forwarder's one-instance lookup and the inventory's listing, as EC2
 * does them; and CreateTags / DeleteTags, decided by `authorizeTagChange` (the sandbox plays re-tag attempts with
 * them). Real `@aws-sdk/client-ec2` talks to it unchanged.
 */
export async function startEc2Standin(port = 0): Promise<Ec2Standin> {
    const instances = new Map<string, Record<string, string>>();
    const states = new Map<string, string>();
    const paging = { pageSize: 1000 };
    const calls: string[] = [];
    let fault: { code: string; status: number; remaining: number; consumed?: (resourceIds: string[]) => void; applies?: (action: string, filters: ReadonlyMap<string, string[]>) => boolean } | undefined;

    const server = keepAliveLikeAws(http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const form = new URLSearchParams(body);
            const action = form.get("Action") ?? "";
            calls.push(action);
            const reply = (status: number, text: string) => {
                res.writeHead(status, { "content-type": "text/xml;charset=UTF-8" });
                res.end(text);
            };
            const error = (code: string, status: number, message: string) =>
                reply(status, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error></Errors><RequestID>r-1</RequestID></Response>`);
            const filters = new Map<string, string[]>();
            for (let i = 1; form.has(`Filter.${i}.Name`); i++) {
                const values: string[] = [];
                for (let j = 1; form.has(`Filter.${i}.Value.${j}`); j++) values.push(form.get(`Filter.${i}.Value.${j}`)!);
                filters.set(form.get(`Filter.${i}.Name`)!, values);
            }
            if (fault && fault.remaining > 0 && (fault.applies === undefined || fault.applies(action, filters))) {
                fault.remaining -= 1;
                fault.consumed?.(filters.get("resource-id") ?? filters.get("instance-id") ?? []);
                return error(fault.code, fault.status, "injected fault");
            }
            if (action === "DescribeInstances") {
                const tagKeys = filters.get("tag-key");
                // Filter instance-id and parameter InstanceId.N both narrow to the named instances.
                const ids = filters.get("instance-id") ?? listOf(form, "InstanceId");
                const listed = standin.describeInstancesView?.({ instanceIds: ids }) ?? [...instances].map(([id, tags]) => [id, { tags, state: states.get(id) ?? "running" }] as [string, { tags: Record<string, string>; state: string }]);
                const matching = listed.filter(([id, { tags }]) => (!tagKeys || Object.keys(tags).some((k) => tagKeys.includes(k))) && (ids.length === 0 || ids.includes(id)));
                const start = Number(form.get("NextToken") ?? 0);
                const size = Math.min(Number(form.get("MaxResults") ?? 1000), paging.pageSize);
                const next = start + size < matching.length ? `<nextToken>${start + size}</nextToken>` : "";
                // One reservation per instance, as separate launches give.
                const reservations = matching.slice(start, start + size).map(([id, { tags, state }], i) => {
                    const tagItems = Object.entries(tags).map(([k, v]) => `<item><key>${xml(k)}</key><value>${xml(v)}</value></item>`).join("");
                    const instance = `<item><instanceId>${xml(id)}</instanceId><instanceState><code>0</code><name>${xml(state)}</name></instanceState><tagSet>${tagItems}</tagSet></item>`;
                    return `<item><reservationId>r-${start + i}</reservationId><instancesSet>${instance}</instancesSet></item>`;
                });
                return reply(200, `<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><reservationSet>${reservations.join("")}</reservationSet>${next}</DescribeInstancesResponse>`);
            }
            if (action === "CreateTags" || action === "DeleteTags") {
                const request = tagChangeOf(action, form);
                void (standin.authorizeTagChange?.(callerOf(req.url ?? ""), request) ?? Promise.resolve("the stand-in decides no tag change without an authorizer")).then(
                    (denial) => {
                        if (denial) return error("UnauthorizedOperation", 403, `You are not authorized to perform this operation. ${denial}`);
                        for (const id of request.instanceIds) {
                            const tags = instances.get(id);
                            if (!tags) return error("InvalidInstanceID.NotFound", 400, `The instance ID '${id}' does not exist`);
                        }
                        for (const id of request.instanceIds) applyTagChange(instances.get(id)!, request);
                        reply(200, `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><return>true</return></${action}Response>`);
                    },
                    (err: Error) => error("InternalError", 500, err.message),
                );
                return;
            }
            error("InvalidAction", 400, `stand-in does not implement ${action}`);
        });
    }));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const standin: Ec2Standin = {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        instances,
        states,
        get pageSize() {
            return paging.pageSize;
        },
        set pageSize(value: number) {
            paging.pageSize = value;
        },
        calls,
        failNext(code, status, times = 1, consumed, applies) {
            fault = { code, status, remaining: times, consumed, applies };
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
    return standin;
}

/** Values of a list parameter of the EC2 Query API (`<name>.1`, `<name>.2`, ...). */
function listOf(form: URLSearchParams, name: string): string[] {
    const values: string[] = [];
    for (let i = 1; form.has(`${name}.${i}`); i++) values.push(form.get(`${name}.${i}`)!);
    return values;
}

/** CreateTags / DeleteTags parameters: `ResourceId.N`, `Tag.N.Key`, `Tag.N.Value`. */
function tagChangeOf(action: TagChangeRequest["action"], form: URLSearchParams): TagChangeRequest {
    const instanceIds = listOf(form, "ResourceId");
    const tags: Record<string, string | undefined> = {};
    for (let i = 1; form.has(`Tag.${i}.Key`); i++) tags[form.get(`Tag.${i}.Key`)!] = form.get(`Tag.${i}.Value`) ?? (action === "CreateTags" ? "" : undefined);
    return { action, instanceIds, tags };
}

function applyTagChange(tags: Record<string, string>, request: TagChangeRequest): void {
    // DeleteTags without tags deletes every tag but AWS's own (aws:*), as EC2 does.
    if (request.action === "DeleteTags" && Object.keys(request.tags).length === 0) {
        for (const key of Object.keys(tags)) if (!key.startsWith("aws:")) delete tags[key];
        return;
    }
    for (const [key, value] of Object.entries(request.tags)) {
        if (request.action === "CreateTags") tags[key] = value ?? "";
        // DeleteTags removes a key whatever its value when the request gives none, else only when the value matches.
        else if (value === undefined || tags[key] === value) delete tags[key];
    }
}
