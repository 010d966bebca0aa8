// The policy pack: `pulumi preview --policy-pack policy`. Policies live in ./policies, settings in ./config.ts.
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("license-ops-guardrails", {
    description: "Tagging, S3, IAM, Lambda and license-compliance guardrails for the license-ops stacks.",
    provider: "aws",
    policies: POLICIES,
});
