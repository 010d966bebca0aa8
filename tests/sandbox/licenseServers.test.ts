import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SUPERSEDED_EXIT_CODE, bundleCommandParameters, renderUserList } from "../../functions/hub-shared/userList";
import { BundleProduct, parseBundleResults, renderBundle } from "../../functions/hub-shared/bundle";
import type { SandboxEvent } from "../../sandbox/runtime/events";
import { productOutcomes } from "../../sandbox/world/licenseServers";
import { testLicenseServerFleet } from "../support/licenseServerFleet";
import { LocalS3, startS3rver } from "../../sandbox/aws/s3rver";

const BUCKET = "hub-user-lists";
const SERVER = "i-0a1b2c3d4e5f60001";

describe("sandbox license servers (the SSM Agent's part of the hub's document)", function () {
    this.timeout(30_000);
    let dir: string;
    let s3: LocalS3;
    let fleet: ReturnType<typeof testLicenseServerFleet>;
    const events: SandboxEvent[] = [];
    const lastEvents = (n: number) => events.slice(-n) as Array<Extract<SandboxEvent, { kind: "license-server" }>>;

    /** Publishes a bundle as the sync does and returns the SendCommand parameters for it. */
    async function publish(...lists: Array<[product: string, users: string[], generation: number]>): Promise<Record<string, string[]>> {
        const bundle = renderBundle(lists.map(([product, users, generation]): BundleProduct => ({ product, generation, list: renderUserList(users), command: fleet.vendorCommand })));
        await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: bundle.key, Body: bundle.body }));
        return bundleCommandParameters(bundle);
    }

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-license-servers-"));
        s3 = await startS3rver();
        await s3.createBucket(BUCKET);
        fleet = testLicenseServerFleet({ dir, bucket: BUCKET, documentName: "hub-install-user-list", instanceIds: [SERVER], s3: s3.client, onEvent: (e) => events.push(e) });
    });
    after(async () => {
        await s3.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("downloads the bundle, runs the document's script and the vendor CLI per product, and reports each product", async () => {
        const result = await fleet.executor("hub-install-user-list", SERVER, await publish(["matlab", ["bob", "alice"], 3], ["simulink", ["bob"], 3]));
        expect(result).to.deep.include({ status: "Success", responseCode: 0 });
        expect(fleet.lists()).to.deep.equal({ matlab: ["alice", "bob"], simulink: ["bob"] });
        expect(fs.readFileSync(path.join(dir, "license-server", "matlab.users"), "utf8")).to.equal("alice\nbob\n");
        // The script installed the list under the server's own root, where the document's work directory maps to.
        const installed = path.join(dir, "license-server", "instances", SERVER, "var", "lib", "license-hub", "products", "matlab");
        expect(fs.readFileSync(path.join(installed, "users.txt"), "utf8")).to.equal("alice\nbob\n");
        expect(fs.readFileSync(path.join(installed, "generation"), "utf8").trim()).to.equal("3");
        expect(lastEvents(2).map((e) => [e.product, e.ok, e.generation, e.users])).to.deep.equal([
            ["matlab", true, "3", ["alice", "bob"]],
            ["simulink", true, "3", ["bob"]],
        ]);
        expect(lastEvents(1)[0].detail).to.equal("license-hub: simulink generation 3 applied (1 users)");
    });

    it("refuses what SendCommand or the agent would: parameters outside their patterns, other documents and instances", async () => {
        const good = await publish(["catia", ["carol"], 4]);
        expect(await fleet.executor("hub-install-user-list", SERVER, { ...good, bundleSha256: ["catia; touch /tmp/x"] })).to.equal("Failed");
        expect(events.at(-1)).to.deep.include({ ok: false, product: "?" });
        expect((events.at(-1) as { detail: string }).detail).to.match(/InvalidParameters: bundleSha256 does not match/);
        expect(await fleet.executor("AWS-RunShellScript", SERVER, good)).to.equal("Failed");
        expect(await fleet.executor("hub-install-user-list", "i-0000000000000000f", good)).to.equal("Failed");
        expect(await fleet.executor("hub-install-user-list", SERVER, { ...good, extra: ["x"] })).to.equal("Failed");
        expect(fleet.lists()).to.not.have.property("catia");
    });

    it("fails the product whose vendor CLI fails (an injected busy license server), installs the others, and the product on the next try", async () => {
        const parameters = await publish(["catia", ["carol"], 5], ["matlab", ["alice", "bob", "carol"], 5]);
        fleet.failVendorCli(1);
        expect(await fleet.executor("hub-install-user-list", SERVER, parameters)).to.deep.include({ status: "Failed", responseCode: 1 });
        expect(lastEvents(2).map((e) => [e.product, e.ok])).to.deep.equal([
            ["catia", false],
            ["matlab", true],
        ]);
        expect(lastEvents(2)[0].detail).to.match(/vendor command for catia exited with status 75/);
        // The same command again: catia is applied (its failed run never recorded the generation), matlab already was.
        expect(await fleet.executor("hub-install-user-list", SERVER, parameters)).to.deep.include({ status: "Success" });
        expect(fleet.lists().catia).to.deep.equal(["carol"]);
        expect(lastEvents(1)[0].detail).to.equal("license-hub: matlab generation 5 already applied");
    });

    it("reports a superseded generation with the script's exit code and the generation the server holds", async () => {
        expect(await fleet.executor("hub-install-user-list", SERVER, await publish(["catia", ["dave"], 9]))).to.deep.include({ status: "Success" });
        const older = await fleet.executor("hub-install-user-list", SERVER, await publish(["catia", ["erin"], 8]));
        expect(older).to.deep.include({ status: "Failed", responseCode: SUPERSEDED_EXIT_CODE });
        expect(parseBundleResults((older as { standardOutput: string }).standardOutput).get("catia")).to.deep.equal({ outcome: "superseded", held: 9 });
        expect(lastEvents(1)[0]).to.deep.include({ product: "catia", ok: false, generation: "8" });
        expect(fleet.lists().catia).to.deep.equal(["dave"]);
    });

    it("fails a command whose bundle is missing (the agent's download step)", async () => {
        const parameters = bundleCommandParameters({ sha256: "0".repeat(64), key: `user-lists/bundles/${"0".repeat(64)}.txt` });
        expect(await fleet.executor("hub-install-user-list", SERVER, parameters)).to.equal("Failed");
        expect((events.at(-1) as { detail: string }).detail).to.match(/downloadUserList: download of s3:\/\/hub-user-lists\/user-lists\/bundles\/0{64}\.txt failed/);
        expect(fleet.lists().matlab).to.deep.equal(["alice", "bob", "carol"]);
    });

    it("names each product's own line as its detail, not a line about a product whose name contains it", () => {
        const stdout = "license-hub: matlab-toolbox generation 4 applied (1 users)\nresult matlab-toolbox applied 4\nresult matlab failed 4\n";
        const stderr = "license-hub: vendor command for matlab exited with status 75\n";
        expect(productOutcomes(stdout, stderr)).to.deep.equal([
            { product: "matlab-toolbox", ok: true, generation: "4", detail: "license-hub: matlab-toolbox generation 4 applied (1 users)" },
            { product: "matlab", ok: false, generation: "4", detail: "license-hub: vendor command for matlab exited with status 75" },
        ]);
    });
});
