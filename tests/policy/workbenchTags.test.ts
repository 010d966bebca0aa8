import { expect } from "chai";
import { workbenchInstanceTags } from "../../policy/policies/workbenchTags";
import { UNKNOWN_STRING, awsProvider, checkResource } from "./policyArgs";

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const OWNER = "vew:workbench:ownerId";
const TYPE = "vew:workbench:type";

const instance = (tags: Record<string, unknown> | undefined, extra: Partial<Parameters<typeof checkResource>[1]> = {}) =>
    checkResource(workbenchInstanceTags, { type: INSTANCE, props: { instanceType: "t3.large", ...(tags ? { tags } : {}) }, ...extra });

describe("policy workbench-instance-tags", () => {
    it("passes a workbench with a valid owner and type, and instances that are not workbenches", async () => {
        expect(await instance({ [OWNER]: "jdoe", [TYPE]: "matlab-r2024b" })).to.be.empty;
        expect(await instance({ Name: "build-agent" })).to.be.empty;
        expect(await instance(undefined)).to.be.empty;
    });

    it("requires both tags once either is present", async () => {
        const onlyOwner = await instance({ [OWNER]: "jdoe" });
        expect(onlyOwner.map((v) => v.message)).to.deep.equal([
            `Workbench tag ${OWNER} is set on the instance but ${TYPE} is missing; both are required.`,
        ]);
        const onlyType = await instance({ [TYPE]: "matlab" });
        expect(onlyType).to.have.length(1);
        expect(onlyType[0].message).to.contain(`${OWNER} is missing`);
    });

    it("refuses values the license CLI must never see", async () => {
        const violations = await instance({ [OWNER]: "--all; rm -rf /", [TYPE]: "matlab bundle" });
        expect(violations).to.have.length(2);
        expect(violations[0].message).to.contain("not a valid user id");
        expect(violations[1].message).to.contain("not a valid workbench type");
        expect(await instance({ [OWNER]: "", [TYPE]: "matlab" })).to.have.length(1);
    });

    it("counts provider default tags, as EC2 reports them on the instance", async () => {
        const provider = awsProvider({ defaultTags: { [TYPE]: "matlab" } });
        expect(await instance({ [OWNER]: "jdoe" }, { provider })).to.be.empty;
        const badDefault = awsProvider({ defaultTags: { [TYPE]: "not valid!" } });
        expect(await instance({ [OWNER]: "jdoe" }, { provider: badDefault })).to.have.length(1);
    });

    it("uses the configured tag keys", async () => {
        const config = { "workbench-instance-tags": { ownerTagKey: "team:owner", typeTagKey: "team:kind" } };
        expect(await instance({ "team:owner": "jdoe" }, { config })).to.have.length(1);
        expect(await instance({ "team:owner": "jdoe", "team:kind": "matlab" }, { config })).to.be.empty;
        // The default keys mean nothing under this configuration.
        expect(await instance({ [OWNER]: "jdoe" }, { config })).to.be.empty;
    });

    it("skips values unknown during preview, but still requires the other tag", async () => {
        expect(await instance({ [OWNER]: UNKNOWN_STRING, [TYPE]: "matlab" })).to.be.empty;
        expect(await instance({ [OWNER]: UNKNOWN_STRING })).to.have.length(1);
        // Default tags not known yet might hold the missing tag; a known invalid value is still reported.
        const unknownDefaults = awsProvider({ props: { defaultTags: UNKNOWN_STRING } });
        expect(await instance({ [OWNER]: "jdoe" }, { provider: unknownDefaults })).to.be.empty;
        expect(await instance({ [OWNER]: "not valid!" }, { provider: unknownDefaults })).to.have.length(1);
    });

    it("checks launch templates' instance tag specifications and flags workbench tags that never reach instances", async () => {
        const template = (props: Record<string, unknown>) => checkResource(workbenchInstanceTags, { type: LAUNCH_TEMPLATE, props });
        expect(await template({ tagSpecifications: [{ resourceType: "instance", tags: { [OWNER]: "jdoe", [TYPE]: "matlab" } }] })).to.be.empty;
        const missingType = await template({ tagSpecifications: [{ resourceType: "volume", tags: {} }, { resourceType: "instance", tags: { [OWNER]: "jdoe" } }] });
        expect(missingType.map((v) => v.message)).to.deep.equal([
            `Workbench tag ${OWNER} is set on tagSpecifications[1] (instance) but ${TYPE} is missing; both are required.`,
        ]);
        const onTemplateOnly = await template({ tags: { [OWNER]: "jdoe", [TYPE]: "matlab" } });
        expect(onTemplateOnly).to.have.length(1);
        expect(onTemplateOnly[0].message).to.contain("not applied to the instances");
    });

    describe("every other way a program can tag an instance", () => {
        const check = (type: string, props: Record<string, unknown>) => checkResource(workbenchInstanceTags, { type, props });

        it("aws.ec2.Tag: refuses an invalid owner id or type, passes valid ones and unrelated keys", async () => {
            const tag = (key: string, value: unknown) => check("aws:ec2/tag:Tag", { resourceId: "i-0123456789abcdef0", key, value });
            const forged = await tag(OWNER, "ceo; rm -rf /");
            expect(forged.map((v) => v.message)).to.deep.equal([
                `${OWNER} on aws.ec2.Tag on "i-0123456789abcdef0" is "ceo; rm -rf /", which is not a valid user id (/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/).`,
            ]);
            expect(await tag(TYPE, "matlab bundle")).to.have.length(1);
            expect(await tag(OWNER, "jdoe")).to.be.empty;
            expect(await tag("Name", "any value at all!")).to.be.empty;
            expect(await tag(OWNER, UNKNOWN_STRING)).to.be.empty;
        });

        it("autoscaling groups: checks the tags propagated to instances as a pair, ignores the others", async () => {
            const group = (tags: unknown[]) => check("aws:autoscaling/group:Group", { maxSize: 2, minSize: 0, tags });
            expect(await group([{ key: OWNER, value: "jdoe", propagateAtLaunch: true }, { key: TYPE, value: "matlab", propagateAtLaunch: true }])).to.be.empty;
            const missing = await group([{ key: OWNER, value: "jdoe", propagateAtLaunch: true }, { key: TYPE, value: "matlab", propagateAtLaunch: false }]);
            expect(missing.map((v) => v.message)).to.deep.equal([
                `Workbench tag ${OWNER} is set on the instances of the autoscaling group (propagated tags) but ${TYPE} is missing; both are required.`,
            ]);
            expect(await group([{ key: OWNER, value: "bad id!", propagateAtLaunch: false }])).to.be.empty;
            const tag = (value: string, propagateAtLaunch: boolean) =>
                check("aws:autoscaling/tag:Tag", { autoscalingGroupName: "workbenches", tag: { key: OWNER, value, propagateAtLaunch } });
            expect(await tag("bad id!", true)).to.have.length(1);
            expect(await tag("bad id!", false)).to.be.empty;
            expect(await tag("jdoe", true)).to.be.empty;
        });

        it("spot fleets: checks each launch specification's tags", async () => {
            const violations = await check("aws:ec2/spotFleetRequest:SpotFleetRequest", {
                launchSpecifications: [{ tags: { [OWNER]: "jdoe", [TYPE]: "matlab" } }, { tags: { [OWNER]: "x y", [TYPE]: "matlab" } }],
            });
            expect(violations.map((v) => v.message)).to.deep.equal([
                `${OWNER} on launchSpecifications[1] is "x y", which is not a valid user id (/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/).`,
            ]);
        });
    });

    it("ignores other resource types", async () => {
        expect(await checkResource(workbenchInstanceTags, { type: "aws:s3/bucket:Bucket", props: { tags: { [OWNER]: "x y" } } })).to.be.empty;
    });
});
