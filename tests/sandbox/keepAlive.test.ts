import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { keepAliveLikeAws } from "../../sandbox/aws/keepAlive";

describe("stand-ins keep idle connections open, as AWS endpoints do", function () {
    this.timeout(30_000);

    it("reuses a connection left idle past Node's 5 s default (where a request in the closing instant gets ECONNRESET)", async () => {
        let connections = 0;
        const server = keepAliveLikeAws(http.createServer((_req, res) => res.end("ok")));
        server.on("connection", () => connections++);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const get = () =>
            new Promise<string>((resolve, reject) => {
                http.get({ host: "127.0.0.1", port: (server.address() as AddressInfo).port, agent }, (res) => {
                    let body = "";
                    res.on("data", (c) => (body += c));
                    res.on("end", () => resolve(body));
                }).on("error", reject);
            });
        try {
            expect(await get()).to.equal("ok");
            await new Promise((resolve) => setTimeout(resolve, 6_000));
            expect(await get()).to.equal("ok");
            expect(connections, "the idle connection was still open and reused").to.equal(1);
        } finally {
            agent.destroy();
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    });
});
