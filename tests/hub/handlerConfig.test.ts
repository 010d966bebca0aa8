import { expect } from "chai";
import { DEFAULT_MAX_CLOCK_SKEW_SECONDS, assignmentConfig, syncConfig } from "../../functions/hub-shared/config";
import { HUB_CONFIGURATION_ENVIRONMENT } from "../../functions/hub-shared/environment";
import { hubConfigurationBody, hubConfigurationKey, parseHubConfiguration } from "../../functions/hub-shared/hubConfiguration";
import { hubConfigurationLoader } from "../../functions/hub-shared/hubConfigurationLoader";
import { hubConfiguration } from "../../components/hub/hubConfigurationObject";
import { syncCatalog } from "../../components/hub/catalog";
import { ASSIGNMENT_ENVIRONMENT, SYNC_ENVIRONMENT } from "../../components/hub/definitions";
import { CATALOG } from "./support/fixtures";
import { rejectionOf } from "../support/errors";
import { selectSeatHolders } from "../../functions/hub-sync/seatSelection";

describe("hub handler configuration and seat selection", () => {
    const configuration = hubConfiguration(CATALOG, ["222222222222", "333333333333"]);
    const body = hubConfigurationBody(configuration);
    const key = hubConfigurationKey(body);
    const assignmentEnv = {
        [ASSIGNMENT_ENVIRONMENT.tableName]: "seats",
        [ASSIGNMENT_ENVIRONMENT.tombstoneRetentionSeconds]: "604800",
    };
    const syncEnv = {
        [SYNC_ENVIRONMENT.tableName]: "seats",
        [SYNC_ENVIRONMENT.userListBucket]: "bucket",
        [SYNC_ENVIRONMENT.documentName]: "doc",
    };
    const locationEnv = { [HUB_CONFIGURATION_ENVIRONMENT.bucket]: "hub-bucket", [HUB_CONFIGURATION_ENVIRONMENT.key]: key };

    it("reads the environment the component sets, and the catalog and admission list from the configuration object", () => {
        const assignment = assignmentConfig(assignmentEnv, parseHubConfiguration(key, body));
        expect([...assignment.allowedAccounts]).to.deep.equal(["222222222222", "333333333333"]);
        expect(assignment.workbenchTypes).to.deep.equal(CATALOG.workbenchTypes);
        expect(assignment.maxClockSkewSeconds).to.equal(DEFAULT_MAX_CLOCK_SKEW_SECONDS);
        expect(assignmentConfig({ ...assignmentEnv, [ASSIGNMENT_ENVIRONMENT.maxClockSkewSeconds]: "5" }, configuration).maxClockSkewSeconds).to.equal(5);
        const sync = syncConfig(syncEnv, configuration);
        expect(sync).to.deep.include({ deliveryTimeoutSeconds: 60, pollIntervalMs: 2000, configurationFingerprint: "" });
        expect(sync.products).to.deep.equal({ ...syncCatalog(CATALOG), matlab: { ...syncCatalog(CATALOG).matlab, command: CATALOG.products.matlab.command } });
    });

    it("fails the cold start with a message naming the variable when the environment is broken", () => {
        expect(() => assignmentConfig({ ...assignmentEnv, [ASSIGNMENT_ENVIRONMENT.tableName]: undefined }, configuration)).to.throw(/HUB_TABLE_NAME is not set/);
        expect(() => assignmentConfig({ ...assignmentEnv, [ASSIGNMENT_ENVIRONMENT.maxClockSkewSeconds]: "0" }, configuration)).to.throw(/HUB_MAX_CLOCK_SKEW_SECONDS must be a positive integer/);
        expect(() => syncConfig({ ...syncEnv, [SYNC_ENVIRONMENT.pollIntervalMs]: "-1" }, configuration)).to.throw(/must be a positive integer/);
        expect(() => hubConfigurationLoader({ ...locationEnv, [HUB_CONFIGURATION_ENVIRONMENT.key]: undefined }, async () => body)).to.throw(/HUB_CONFIGURATION_KEY is not set/);
    });

    it("refuses a configuration object whose body is not the one its key names, of another format, or with bad entries, naming each path", () => {
        expect(() => parseHubConfiguration(key, body.replace("222222222222", "999999999999"))).to.throw(/SHA-256 is not the one its key names/);
        expect(() => parseHubConfiguration("configuration/hub.json", body)).to.throw(/is not configuration\/hub-<sha256>\.json/);
        const reKeyed = (value: unknown) => {
            const text = JSON.stringify(value);
            return () => parseHubConfiguration(hubConfigurationKey(text), text);
        };
        expect(reKeyed({ ...configuration, format: 2 })).to.throw(/format 2 is not 1: deploy the hub's functions and its configuration together/);
        expect(reKeyed({ ...configuration, workbenchTypes: { office: ["a b"] } })).to.throw(/workbenchTypes\["office"\]\[0\]: product name "a b" must be/);
        expect(reKeyed({ ...configuration, products: { matlab: { instanceId: "x" } } })).to.throw(/products\["matlab"\]: instanceId "x" is not an EC2 instance id/);
        expect(reKeyed({ ...configuration, admission: { accountIds: ["12"] } })).to.throw(/admission\.accountIds\[0\]: "12" is not an account id/);
        expect(reKeyed({ ...configuration, products: { matlab: { instanceId: "i-0123456789abcdef0", annualCostPerSeat: -5 } } })).to.throw(/products\["matlab"\]: annualCostPerSeat must be a number from 0/);
        // A vendor command is checked again, by the preview's rules, before it travels as data to a license server.
        const withCommand = (command: unknown) => reKeyed({ ...configuration, products: { matlab: { instanceId: "i-0123456789abcdef0", command } } });
        expect(withCommand(["lm", "{usersFile}"])).to.throw(/products\["matlab"\]\.command\[0\]: must be the absolute path of the vendor CLI/);
        expect(withCommand(["/opt/lm", "a\nb", "{usersFile}"])).to.throw(/products\["matlab"\]\.command\[1\]: contains a control character/);
        expect(withCommand(["/opt/lm", "{home}", "{usersFile}"])).to.throw(/products\["matlab"\]\.command\[1\]: unknown placeholder \{home\}/);
    });

    it("carries a product's yearly cost per seat from the catalog through the object to the seat ledger's targets", () => {
        const priced = { ...CATALOG, products: Object.fromEntries(Object.entries(CATALOG.products).map(([name, p]) => [name, { ...p, annualCostPerSeat: 2400 }])) };
        const text = hubConfigurationBody(hubConfiguration(priced, []));
        const targets = syncConfig(syncEnv, parseHubConfiguration(hubConfigurationKey(text), text)).products;
        expect(Object.values(targets).map((t) => t.annualCostPerSeat)).to.deep.equal(Object.keys(CATALOG.products).map(() => 2400));
        expect(targets).to.deep.equal({ ...syncCatalog(priced), matlab: { ...syncCatalog(priced).matlab, command: CATALOG.products.matlab.command } });
    });

    it("reads the object once per container, and again after a failed read", async () => {
        let reads = 0;
        let failNext = true;
        const load = hubConfigurationLoader(locationEnv, async (bucket, objectKey) => {
            reads++;
            expect([bucket, objectKey]).to.deep.equal(["hub-bucket", key]);
            if (failNext) {
                failNext = false;
                throw new Error("SlowDown");
            }
            return body;
        });
        expect((await rejectionOf(load())).message).to.equal("SlowDown");
        const [first, second] = await Promise.all([load(), load()]);
        expect(first).to.deep.equal(configuration);
        expect(second).to.equal(first);
        await load();
        expect(reads).to.equal(2);
    });

    it("keeps the longest-held seats, breaking ties by user id, and skips invalid ids", () => {
        const at = (minute: number) => `2026-03-02T08:${String(minute).padStart(2, "0")}:00Z`;
        const selection = selectSeatHolders(
            [
                { userId: "zoe", firstAssignedAt: at(1) },
                { userId: "bob", firstAssignedAt: at(5) },
                { userId: "amy", firstAssignedAt: at(5) },
                { userId: "carl", firstAssignedAt: at(9) },
                { userId: "x;y", firstAssignedAt: at(0) },
            ],
            3,
        );
        expect(selection).to.deep.equal({ assigned: ["amy", "bob", "zoe"], denied: ["carl"], invalid: 1 });
        expect(selectSeatHolders([{ userId: "amy", firstAssignedAt: at(1) }]).assigned).to.deep.equal(["amy"]);
    });
});
