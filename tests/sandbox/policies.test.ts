import { expect } from "chai";
import { hubBusPolicy } from "../../components/hub/busPolicy";
import type { PolicyDocumentJson } from "../../sandbox/deployment";
import { identityPoliciesAllow, resourcePolicyAllows, wildcardMatches } from "../../sandbox/policies";

const BUS = "arn:aws:events:eu-central-1:222222222222:event-bus/hub-workbench-events";

describe("sandbox policy evaluation", () => {
    it("admits exactly the accounts and the organisation the hub's bus policy names", () => {
        const policy = hubBusPolicy(BUS, "aws", { accountIds: ["111111111111"], organizationId: "o-abcdefghij" }) as unknown as PolicyDocumentJson;
        expect(resourcePolicyAllows(policy, { accountId: "111111111111" }, "events:PutEvents", BUS)).to.equal(true);
        expect(resourcePolicyAllows(policy, { accountId: "333333333333", organizationId: "o-abcdefghij" }, "events:PutEvents", BUS)).to.equal(true);
        expect(resourcePolicyAllows(policy, { accountId: "444444444444", organizationId: "o-zzzzzzzzzz" }, "events:PutEvents", BUS)).to.equal(false);
        expect(resourcePolicyAllows(policy, { accountId: "444444444444" }, "events:PutEvents", BUS)).to.equal(false);
        expect(resourcePolicyAllows(policy, { accountId: "111111111111" }, "events:PutEvents", `${BUS}-other`)).to.equal(false);
        expect(resourcePolicyAllows(policy, { accountId: "111111111111" }, "events:PutRule", BUS)).to.equal(false);
        expect(resourcePolicyAllows(undefined, { accountId: "111111111111" }, "events:PutEvents", BUS)).to.equal(false);
    });

    it("lets an explicit deny win, and refuses conditions it cannot evaluate", () => {
        const policy: PolicyDocumentJson = {
            Statement: [
                { Effect: "Allow", Principal: "*", Action: "events:*", Resource: BUS },
                { Effect: "Deny", Principal: { AWS: "444444444444" }, Action: "events:PutEvents", Resource: BUS },
            ],
        };
        expect(resourcePolicyAllows(policy, { accountId: "111111111111" }, "events:PutEvents", BUS)).to.equal(true);
        expect(resourcePolicyAllows(policy, { accountId: "444444444444" }, "events:PutEvents", BUS)).to.equal(false);
        const conditional: PolicyDocumentJson = { Statement: [{ Effect: "Allow", Principal: "*", Action: "events:PutEvents", Resource: BUS, Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }] };
        expect(() => resourcePolicyAllows(conditional, { accountId: "111111111111" }, "events:PutEvents", BUS)).to.throw(/cannot evaluate the policy condition IpAddress aws:SourceIp/);
    });

    it("evaluates a role's inline policies with IAM wildcards", () => {
        const role: PolicyDocumentJson[] = [{ Statement: [{ Effect: "Allow", Action: ["events:PutEvents"], Resource: ["arn:aws:events:*:222222222222:event-bus/hub-*"] }] }];
        expect(identityPoliciesAllow(role, { accountId: "111111111111" }, "events:PutEvents", BUS)).to.equal(true);
        expect(identityPoliciesAllow(role, { accountId: "111111111111" }, "events:PutEvents", "arn:aws:events:eu-central-1:999999999999:event-bus/hub-x")).to.equal(false);
        expect(wildcardMatches("arn:aws:s3:::bucket/user-lists/*", "arn:aws:s3:::bucket/user-lists/matlab/x.txt")).to.equal(true);
        expect(wildcardMatches("a?c", "abc")).to.equal(true);
        expect(wildcardMatches("a.c", "abc")).to.equal(false);
    });
});
