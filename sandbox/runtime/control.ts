/**
 * The running sandbox's control endpoint (with --keep-running): `POST /ec2-state-change` makes EC2 report a state
 * change of an instance, exactly as a timeline entry does. `npm run sandbox:fire` is its client.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FireRequest {
    /** Scenario account key or account id. */
    account: string;
    /** Scenario instance key or EC2 instance id. */
    instance: string;
    state: string;
    /** Tags a new instance with this owner and workbench type (or re-tags a known one). */
    owner?: string;
    type?: string;
}

export interface FireResponse {
    accountId: string;
    instanceId: string;
    eventId: string;
    time: string;
}

export interface ControlServer {
    endpoint: string;
    close(): Promise<void>;
}

export const FIRE_PATH = "/ec2-state-change";

export async function startControlServer(port: number, fire: (request: FireRequest) => FireResponse): Promise<ControlServer> {
    const server = http.createServer((req, res) => {
        const reply = (status: number, body: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        if (req.method !== "POST" || req.url !== FIRE_PATH) return reply(404, { error: `POST ${FIRE_PATH} is the only operation` });
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            try {
                const request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as FireRequest;
                reply(200, fire(request));
            } catch (err) {
                reply(400, { error: (err as Error).message });
            }
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", resolve);
    });
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
