import { expect } from "chai";
import { DEFAULT_MAX_CLOCK_SKEW_SECONDS, assignmentConfigFromEnv, syncConfigFromEnv } from "../../functions/hub-shared/config";
import { ASSIGNMENT_ENVIRONMENT, SYNC_ENVIRONMENT } from "../../components/hub/definitions";
import { selectSeatHolders } from "../../functions/hub-sync/seatSelection";

describe("hub handler configuration and seat selection", () => {
    const assignmentEnv = {
        [ASSIGNMENT_ENVIRONMENT.tableName]: "seats",
        [ASSIGNMENT_ENVIRONMENT.workbenchTypes]: JSON.stringify({ office: ["matlab"] }),
        [ASSIGNMENT_ENVIRONMENT.allowedAccounts]: "222222222222, 333333333333",
        [ASSIGNMENT_ENVIRONMENT.tombstoneRetentionSeconds]: "604800",
    };
    const syncEnv = {
        [SYNC_ENVIRONMENT.tableName]: "seats",
        [SYNC_ENVIRONMENT.markerParameterName]: "marker",
        [SYNC_ENVIRONMENT.products]: JSON.stringify({ matlab: { instanceId: "i-0123456789abcdef0", seats: 5 } }),
        [SYNC_ENVIRONMENT.userListBucket]: "bucket",
        [SYNC_ENVIRONMENT.documentName]: "doc",
    };

    it("reads the environment the component sets", () => {
        const assignment = assignmentConfigFromEnv(assignmentEnv);
        expect([...assignment.allowedAccounts]).to.deep.equal(["222222222222", "333333333333"]);
        expect(assignment.workbenchTypes).to.deep.equal({ office: ["matlab"] });
        expect(assignment.maxClockSkewSeconds).to.equal(DEFAULT_MAX_CLOCK_SKEW_SECONDS);
        expect(assignmentConfigFromEnv({ ...assignmentEnv, [ASSIGNMENT_ENVIRONMENT.maxClockSkewSeconds]: "5" }).maxClockSkewSeconds).to.equal(5);
        const sync = syncConfigFromEnv(syncEnv);
        expect(sync).to.deep.include({ deliveryTimeoutSeconds: 60, pollIntervalMs: 2000, configurationFingerprint: "" });
        expect(sync.products.matlab).to.deep.equal({ instanceId: "i-0123456789abcdef0", seats: 5 });
    });

    it("fails the cold start with a message naming the variable when the environment is broken", () => {
        expect(() => assignmentConfigFromEnv({ ...assignmentEnv, [ASSIGNMENT_ENVIRONMENT.tableName]: undefined })).to.throw(/HUB_TABLE_NAME is not set/);
        expect(() => assignmentConfigFromEnv({ ...assignmentEnv, [ASSIGNMENT_ENVIRONMENT.workbenchTypes]: "{" })).to.throw(/HUB_WORKBENCH_TYPES is not JSON/);
        expect(() => assignmentConfigFromEnv({ ...assignmentEnv, [ASSIGNMENT_ENVIRONMENT.workbenchTypes]: '{"office":["a b"]}' })).to.throw(/^HUB_WORKBENCH_TYPES\["office"\]\[0\]: product name "a b" must be/);
        expect(() => assignmentConfigFromEnv({ ...assignmentEnv, [ASSIGNMENT_ENVIRONMENT.allowedAccounts]: "12" })).to.throw(/"12" is not an account id/);
        expect(() => assignmentConfigFromEnv({ ...assignmentEnv, [ASSIGNMENT_ENVIRONMENT.maxClockSkewSeconds]: "0" })).to.throw(/HUB_MAX_CLOCK_SKEW_SECONDS must be a positive integer/);
        expect(() => syncConfigFromEnv({ ...syncEnv, [SYNC_ENVIRONMENT.products]: '{"matlab":{"instanceId":"x"}}' })).to.throw(/^HUB_PRODUCTS\["matlab"\]: instanceId "x" is not an EC2 instance id/);
        expect(() => syncConfigFromEnv({ ...syncEnv, [SYNC_ENVIRONMENT.pollIntervalMs]: "-1" })).to.throw(/must be a positive integer/);
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
