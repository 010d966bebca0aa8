import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Ec2Standin {
    endpoint: string;
    /** Tags per instance id; an instance absent from the map does not exist. */
    instances: Map<string, Record<string, string>>;
    /** Actions received, in order. */
    calls: string[];
    /**
     * Makes the next `times` requests fail with this EC2 error code and HTTP status; `consumed` hears of each failed
     * request with the resource ids it asked about (so a fault is recorded against the caller that consumed it).
     */
    failNext(code: string, status: number, times?: number, consumed?: (resourceIds: string[]) => void): void;
    close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * A local stand-in for the EC2 Query API with just DescribeTags, enough for the forwarder: filters by
 * resource-id and key, as EC2 does. Real `@aws-sdk/client-ec2` talks to it unchanged.
 */
export async function startEc2Standin(port = 0): Promise<Ec2Standin> {
    const instances = new Map<string, Record<string, string>>();
    const calls: string[] = [];
    let fault: { code: string; status: number; remaining: number; consumed?: (resourceIds: string[]) => void } | undefined;

    const server = http.createServer((req, res) => {
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
            if (fault && fault.remaining > 0) {
                fault.remaining -= 1;
                fault.consumed?.(filters.get("resource-id") ?? []);
                return error(fault.code, fault.status, "injected fault");
            }
            if (action !== "DescribeTags") {
                return error("InvalidAction", 400, `stand-in does not implement ${action}`);
            }
            const ids = filters.get("resource-id");
            const keys = filters.get("key");
            const items: string[] = [];
            for (const [id, tags] of instances) {
                if (ids && !ids.includes(id)) continue;
                for (const [key, value] of Object.entries(tags)) {
                    if (keys && !keys.includes(key)) continue;
                    items.push(`<item><resourceId>${xml(id)}</resourceId><resourceType>instance</resourceType><key>${xml(key)}</key><value>${xml(value)}</value></item>`);
                }
            }
            reply(200, `<?xml version="1.0" encoding="UTF-8"?><DescribeTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><tagSet>${items.join("")}</tagSet></DescribeTagsResponse>`);
        });
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        instances,
        calls,
        failNext(code, status, times = 1, consumed) {
            fault = { code, status, remaining: times, consumed };
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
