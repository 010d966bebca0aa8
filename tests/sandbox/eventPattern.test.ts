import { expect } from "chai";
import { matchesPattern } from "../../sandbox/aws/eventPattern";
import { ec2StateChangePattern, workbenchEventPattern } from "../../functions/shared/workbenchEvent";
import { ec2StateChangeEvent } from "../support/ec2Events";

describe("local event pattern matcher", () => {
    it("matches the components' EC2 pattern exactly for the workbench states", () => {
        for (const state of ["running", "stopping", "stopped", "shutting-down", "terminated"]) {
            expect(matchesPattern(ec2StateChangePattern(), ec2StateChangeEvent("i-0123456789abcdef0", state)), state).to.equal(true);
        }
        expect(matchesPattern(ec2StateChangePattern(), ec2StateChangeEvent("i-0123456789abcdef0", "pending"))).to.equal(false);
        expect(matchesPattern(ec2StateChangePattern(), { ...ec2StateChangeEvent("i-0123456789abcdef0", "running"), source: "aws.s3" })).to.equal(false);
    });

    it("matches the workbench contract pattern only for the supported schema versions and detail-types", () => {
        const event = { source: "licensing.workbench", "detail-type": "Workbench State Change", detail: { "schema-version": "1" } };
        expect(matchesPattern(workbenchEventPattern(), event)).to.equal(true);
        expect(matchesPattern(workbenchEventPattern(), { ...event, detail: { "schema-version": "2" } })).to.equal(true);
        expect(matchesPattern(workbenchEventPattern(), { ...event, "detail-type": "Workbench Inventory Snapshot", detail: { "schema-version": "2" } })).to.equal(true);
        expect(matchesPattern(workbenchEventPattern(), { ...event, "detail-type": "Workbench Anything" })).to.equal(false);
        expect(matchesPattern(workbenchEventPattern(), { ...event, detail: { "schema-version": "3" } })).to.equal(false);
        expect(matchesPattern(workbenchEventPattern(), { ...event, detail: undefined })).to.equal(false);
    });

    it("supports prefix, suffix, anything-but, exists and numeric matchers", () => {
        const record = { eventName: "INSERT", dynamodb: { Keys: { pk: { S: "SEAT#matlab" } }, Size: 120 } };
        expect(matchesPattern({ eventName: ["INSERT", "REMOVE"], dynamodb: { Keys: { pk: { S: [{ prefix: "SEAT#" }] } } } }, record)).to.equal(true);
        expect(matchesPattern({ dynamodb: { Keys: { pk: { S: [{ prefix: "INSTANCE#" }] } } } }, record)).to.equal(false);
        expect(matchesPattern({ dynamodb: { Keys: { pk: { S: [{ suffix: "matlab" }] } } } }, record)).to.equal(true);
        expect(matchesPattern({ eventName: [{ "anything-but": ["MODIFY"] }] }, record)).to.equal(true);
        expect(matchesPattern({ eventName: [{ "anything-but": "INSERT" }] }, record)).to.equal(false);
        expect(matchesPattern({ dynamodb: { NewImage: [{ exists: false }] } }, record)).to.equal(true);
        expect(matchesPattern({ dynamodb: { Size: [{ numeric: [">", 100, "<=", 120] }] } }, record)).to.equal(true);
        expect(matchesPattern({ dynamodb: { Size: [{ numeric: [">", 120] }] } }, record)).to.equal(false);
    });

    it("refuses matchers it does not implement instead of silently not matching", () => {
        expect(() => matchesPattern({ a: [{ wildcard: "x*" }] }, { a: "xy" })).to.throw(/not supported/);
    });
});
