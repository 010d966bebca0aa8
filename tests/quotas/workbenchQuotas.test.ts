/**
 * The workbench side at the target estate: the forwarder component's functions within Lambda's 4 KB environment
 * (longest name prefix and tag keys), and the largest events it puts on EventBridge within the 256 KB entry: a
 * workbench event with the longest names the contract admits, and the largest inventory snapshot chunk. The
 * component is the same in every account-region (the StackSet's template is rendered from it; its 51,200-byte body
 * quota: tests/stackset/forwarderTemplate.test.ts). Sizes are printed.
 */
import { expect } from "chai";
import { WorkbenchAccountForwarder } from "../../components/workbench/workbenchAccountForwarder";
import { MAX_TRUST_NAME_PREFIX_LENGTH } from "../../components/trust/trustNames";
import { forwardStateChange } from "../../functions/workbench-forwarder/forwarder";
import { snapshotChunks } from "../../functions/shared/inventorySnapshot";
import { WORKBENCH_EVENT_SOURCE, WORKBENCH_SNAPSHOT_DETAIL_TYPE } from "../../functions/shared/workbenchEvent";
import { ofType, runUnderMocks } from "../support/pulumiMocks";
import { RecordingTelemetry } from "../support/recordingTelemetry";
import { LONGEST_USER_ID, LONGEST_WORKBENCH_TYPE, eventEntryBytes, longestInventory } from "./largestEvents";
import { AWS_QUOTAS, lambdaEnvironmentBytes, reportSize } from "./quotas";

const ACCOUNT = "999999999999";
const REGION = "ap-southeast-7";
const LONGEST_TAG_KEY = (kind: string) => `${kind}:${"k".repeat(127 - kind.length)}`;

describe("quotas: the workbench forwarder at the target estate", function () {
    this.timeout(120_000);

    it("keeps both functions' environments within Lambda's 4 KB with the longest prefix and tag keys", async () => {
        const { resources } = await runUnderMocks(
            () =>
                new WorkbenchAccountForwarder("workbench", {
                    hubEventBusArn: `arn:aws:events:eu-central-1:222222222222:event-bus/${"h".repeat(200)}`,
                    namePrefix: `p${"r".repeat(MAX_TRUST_NAME_PREFIX_LENGTH - 1)}`,
                    ownerTagKey: LONGEST_TAG_KEY("owner"),
                    workbenchTypeTagKey: LONGEST_TAG_KEY("type"),
                    alarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:${"a".repeat(256)}`],
                }),
            { account: { accountId: ACCOUNT, region: REGION } },
        );
        const functions = ofType(resources, "aws:lambda/function:Function");
        expect(functions.map((fn) => fn.name).sort()).to.deep.equal(["workbench-forwarder", "workbench-inventory"]);
        for (const fn of functions) {
            const bytes = lambdaEnvironmentBytes(fn.inputs.environment?.variables ?? {});
            reportSize(`Lambda environment of ${fn.name} (longest prefix and tag keys)`, bytes, AWS_QUOTAS.lambdaEnvironmentBytes);
            expect(bytes, fn.name).to.be.at.most(AWS_QUOTAS.lambdaEnvironmentBytes);
        }
    });

    it("puts a workbench event with the longest names the contract admits within EventBridge's 256 KB entry", async () => {
        const entries: Array<Parameters<typeof eventEntryBytes>[0]> = [];
        const outcome = await forwardStateChange(
            { source: "aws.ec2", "detail-type": "EC2 Instance State-change Notification", id: "e".repeat(36), detail: { "instance-id": "i-0123456789abcdef0", state: "running" } },
            { ownerTagKey: "owner", typeTagKey: "type" },
            { partition: "aws", account: ACCOUNT, region: REGION },
            {
                describeInstance: async () => ({ state: "running", tags: { owner: LONGEST_USER_ID, type: LONGEST_WORKBENCH_TYPE } }),
                publish: async (source, detailType, detail, resources) => void entries.push({ Source: source, DetailType: detailType, Detail: JSON.stringify(detail), Resources: resources }),
            },
            new RecordingTelemetry(),
        );
        expect(outcome.outcome).to.equal("forwarded");
        expect(entries).to.have.length(1);
        const bytes = eventEntryBytes(entries[0]);
        reportSize("EventBridge entry of the largest workbench event", bytes, AWS_QUOTAS.eventEntryBytes);
        expect(entries[0].Detail).to.contain(LONGEST_USER_ID).and.contain(LONGEST_WORKBENCH_TYPE);
        expect(bytes).to.be.at.most(AWS_QUOTAS.eventEntryBytes);
    });

    it("splits the largest inventory into snapshot chunks each within EventBridge's 256 KB entry", () => {
        // 3,000 workbenches in one account-region, every name at its longest (the handler's own run: tests/workbench/inventoryHandler.test.ts).
        const chunks = snapshotChunks({ account: ACCOUNT, region: REGION, snapshotId: "s".repeat(64), asOf: new Date().toISOString() }, longestInventory(3000));
        const sizes = chunks.map((detail) => eventEntryBytes({ Source: WORKBENCH_EVENT_SOURCE, DetailType: WORKBENCH_SNAPSHOT_DETAIL_TYPE, Detail: JSON.stringify(detail) }));
        reportSize(`EventBridge entry of the largest snapshot chunk (${chunks.length} chunks of 3,000 instances)`, Math.max(...sizes), AWS_QUOTAS.eventEntryBytes);
        expect(chunks.length).to.be.greaterThan(1);
        for (const size of sizes) expect(size).to.be.at.most(AWS_QUOTAS.eventEntryBytes);
    });
});
