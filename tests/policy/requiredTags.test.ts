import { expect } from "chai";
import { requiredTags } from "../../policy/policies/requiredTags";
import { isTaggable } from "../../policy/lib/tags";
import { UNKNOWN_OBJECT, UNKNOWN_STRING, awsProvider, checkResource } from "./policyArgs";

const BUCKET = "aws:s3/bucket:Bucket";
const check = (type: string, props: Record<string, unknown>, extra: Partial<Parameters<typeof checkResource>[1]> = {}) =>
    checkResource(requiredTags, { type, props, ...extra });

describe("policy required-tags", () => {
    it("passes a resource carrying the default required tags (CostCenter, Owner)", async () => {
        expect(await check(BUCKET, { tags: { CostCenter: "cc-42", Owner: "licensing-team" } })).to.be.empty;
    });

    it("names the missing and empty tags", async () => {
        const violations = await check(BUCKET, { tags: { CostCenter: " " } });
        expect(violations).to.have.length(1);
        expect(violations[0].message).to.match(/^Missing required tags CostCenter, Owner /);
        // An untagged bucket has no `tags` property at all: still taggable, still a violation.
        expect(await check(BUCKET, {})).to.have.length(1);
    });

    it("counts the provider's default tags, with the resource's own tags taking precedence", async () => {
        const provider = awsProvider({ defaultTags: { CostCenter: "cc-42", Owner: "licensing-team" } });
        expect(await check(BUCKET, {}, { provider })).to.be.empty;
        expect(await check(BUCKET, { tags: { Owner: "" } }, { provider })).to.have.length(1);
        // The SDK sends defaultTags as JSON; an object (engine-side config) is read the same way.
        const objectForm = awsProvider({ props: { defaultTags: { tags: { CostCenter: "cc", Owner: "me" } } } });
        expect(await check(BUCKET, {}, { provider: objectForm })).to.be.empty;
        // Another cloud's provider contributes nothing.
        const other = { ...awsProvider({ defaultTags: { CostCenter: "cc", Owner: "me" } }), type: "pulumi:providers:gcp" };
        expect(await check(BUCKET, {}, { provider: other })).to.have.length(1);
    });

    it("does not apply default tags to autoscaling groups, whose tags are a list", async () => {
        const provider = awsProvider({ defaultTags: { CostCenter: "cc", Owner: "me" } });
        const group = "aws:autoscaling/group:Group";
        expect(await check(group, {}, { provider })).to.have.length(1);
        const listTags = [
            { key: "CostCenter", value: "cc", propagateAtLaunch: true },
            { key: "Owner", value: "me", propagateAtLaunch: true },
        ];
        expect(await check(group, { tags: listTags })).to.be.empty;
    });

    it("ignores resources that take no tags and non-AWS resources", async () => {
        expect(await check("aws:iam/rolePolicy:RolePolicy", { policy: "{}" })).to.be.empty;
        expect(await check("aws:lambda/permission:Permission", { principal: "events.amazonaws.com" })).to.be.empty;
        expect(await check("licensing:index:WorkbenchAccountForwarder", {})).to.be.empty;
        expect(isTaggable("aws:iam/rolePolicy:RolePolicy", {})).to.equal(false);
        expect(isTaggable("aws:lambda/function:Function", {})).to.equal(true);
        // A type newer than the generated list still counts when it has tags.
        expect(isTaggable("aws:newservice/thing:Thing", { tags: {} })).to.equal(true);
    });

    it("takes the tag list and exempt types from config", async () => {
        const config = { "required-tags": { requiredTags: ["DataClassification"], exemptTypes: ["aws:sqs/queue:Queue"] } };
        expect(await check(BUCKET, { tags: { DataClassification: "internal" } }, { config })).to.be.empty;
        expect(await check(BUCKET, { tags: { CostCenter: "cc", Owner: "me" } }, { config })).to.have.length(1);
        expect(await check("aws:sqs/queue:Queue", {}, { config })).to.be.empty;
        expect(await check(BUCKET, {}, { config: { "required-tags": { requiredTags: [] } } })).to.be.empty;
    });

    it("is lenient only for values unknown during preview", async () => {
        expect(await check(BUCKET, { tags: UNKNOWN_OBJECT })).to.be.empty;
        expect(await check(BUCKET, { tags: { CostCenter: UNKNOWN_STRING, Owner: "me" } })).to.be.empty;
        // Unknown default tags may hold a missing tag, but not turn an empty own value into a present one.
        const unknownDefaults = awsProvider({ props: { defaultTags: UNKNOWN_STRING } });
        expect(await check(BUCKET, {}, { provider: unknownDefaults })).to.be.empty;
        expect(await check(BUCKET, { tags: { Owner: "" } }, { provider: unknownDefaults })).to.have.length(1);
    });
});
