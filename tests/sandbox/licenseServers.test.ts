import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SUPERSEDED_EXIT_CODE, SUPERSEDED_OUTPUT_PATTERN, licenseCommandParameters, renderUserList, userListObjectKey } from "../../functions/hub-shared/userList";
import type { SandboxEvent } from "../../sandbox/runtime/events";
import type { LicenseServerFleet } from "../../sandbox/world/licenseServers";
import { testLicenseServerFleet } from "../support/licenseServerFleet";
import { LocalS3, startS3rver } from "../../sandbox/aws/s3rver";

const BUCKET = "hub-user-lists";
const SERVER = "i-0a1b2c3d4e5f60001";

describe("sandbox license servers (the SSM Agent's part of the hub's document)", function () {
    this.timeout(30_000);
    let dir: string;
    let s3: LocalS3;
    let fleet: LicenseServerFleet;
    const events: SandboxEvent[] = [];

    /** Publishes a list as the sync does and returns the SendCommand parameters for it. */
    async function publish(product: string, users: string[], generation: number): Promise<Record<string, string[]>> {
        const list = renderUserList(users);
        await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: userListObjectKey(product, list.sha256), Body: list.body }));
        return licenseCommandParameters(product, list.sha256, generation);
    }

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-license-servers-"));
        s3 = await startS3rver();
        await s3.createBucket(BUCKET);
        fleet = testLicenseServerFleet({
            dir,
            bucket: BUCKET,
            documentName: "hub-install-user-list",
            instanceIds: [SERVER],
            products: ["matlab", "catia"],
            s3: s3.client,
            onEvent: (e) => events.push(e),
        });
    });
    after(async () => {
        await s3.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("downloads the list, runs the document's script and the vendor CLI, which writes <product>.users", async () => {
        const result = await fleet.executor("hub-install-user-list", SERVER, await publish("matlab", ["bob", "alice"], 3));
        expect(result).to.deep.include({ status: "Success", responseCode: 0 });
        expect(fleet.lists()).to.deep.equal({ matlab: ["alice", "bob"] });
        expect(fs.readFileSync(path.join(dir, "license-server", "matlab.users"), "utf8")).to.equal("alice\nbob\n");
        // The script installed the list under the server's own root, where the document's work directory maps to.
        const installed = path.join(dir, "license-server", "instances", SERVER, "var", "lib", "license-hub", "products", "matlab");
        expect(fs.readFileSync(path.join(installed, "users.txt"), "utf8")).to.equal("alice\nbob\n");
        expect(fs.readFileSync(path.join(installed, "generation"), "utf8").trim()).to.equal("3");
        expect(events.at(-1)).to.deep.include({ kind: "license-server", product: "matlab", ok: true, users: ["alice", "bob"] });
    });

    it("refuses what SendCommand or the agent would: parameters outside their patterns, other documents and instances", async () => {
        const good = await publish("catia", ["carol"], 4);
        expect(await fleet.executor("hub-install-user-list", SERVER, { ...good, product: ["catia; touch /tmp/x"] })).to.equal("Failed");
        expect(events.at(-1)).to.deep.include({ ok: false });
        expect((events.at(-1) as { detail: string }).detail).to.match(/InvalidParameters: product does not match/);
        expect(await fleet.executor("AWS-RunShellScript", SERVER, good)).to.equal("Failed");
        expect(await fleet.executor("hub-install-user-list", "i-0000000000000000f", good)).to.equal("Failed");
        expect(await fleet.executor("hub-install-user-list", SERVER, { ...good, extra: ["x"] })).to.equal("Failed");
        expect(fleet.lists()).to.not.have.property("catia");
    });

    it("fails the command when the vendor CLI fails (an injected busy license server), and installs on the next try", async () => {
        const parameters = await publish("catia", ["carol"], 5);
        fleet.failVendorCli(1);
        expect(await fleet.executor("hub-install-user-list", SERVER, parameters)).to.deep.include({ status: "Failed", responseCode: 1 });
        expect((events.at(-1) as { detail: string }).detail).to.match(/vendor command for catia exited with status 75/);
        // The same command again (same generation, same list) is applied: the failed run never recorded its generation.
        expect(await fleet.executor("hub-install-user-list", SERVER, parameters)).to.deep.include({ status: "Success" });
        expect(fleet.lists().catia).to.deep.equal(["carol"]);
    });

    it("reports a superseded generation with the script's exit code and the generation the server holds", async () => {
        expect(await fleet.executor("hub-install-user-list", SERVER, await publish("catia", ["dave"], 9))).to.deep.include({ status: "Success" });
        const older = await fleet.executor("hub-install-user-list", SERVER, await publish("catia", ["erin"], 8));
        expect(older).to.deep.include({ status: "Failed", responseCode: SUPERSEDED_EXIT_CODE });
        expect((older as { standardOutput: string }).standardOutput).to.match(SUPERSEDED_OUTPUT_PATTERN);
        expect(fleet.lists().catia).to.deep.equal(["dave"]);
    });

    it("fails a command whose list object is missing (the agent's download step)", async () => {
        const parameters = licenseCommandParameters("matlab", "0".repeat(64), 6);
        expect(await fleet.executor("hub-install-user-list", SERVER, parameters)).to.equal("Failed");
        expect((events.at(-1) as { detail: string }).detail).to.match(/downloadUserList: download of s3:\/\/hub-user-lists\/user-lists\/matlab\/0{64}\.txt failed/);
        expect(fleet.lists().matlab).to.deep.equal(["alice", "bob"]);
    });
});
