import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { PLANS_DIR } from "./exampleStacks";

/**
 * Issue #16's "done when", held by the committed governance plan: on-premises servers (activation and inventory),
 * a budget notifying the alert topic, and grants of a received license.
 */
describe("governance plan: on-premises, budgets and license grants", () => {
    const plan = fs.readFileSync(path.join(PLANS_DIR, "governance.plan.txt"), "utf8");
    const headers = plan.split("\n").filter((line) => /^\S+ \S+$/.test(line) && !line.startsWith("#"));
    const ofType = (type: string) => headers.filter((h) => h.startsWith(`${type} `));

    it("holds the hybrid activation and the software-inventory association", () => {
        expect(ofType("aws:ssm/activation:Activation")).to.have.length(1);
        expect(ofType("aws:ssm/association:Association")).to.have.length(1);
    });

    it("holds budgets and license grants", () => {
        expect(ofType("aws:budgets/budget:Budget").length).to.be.greaterThan(0);
        expect(ofType("aws:licensemanager/licenseGrant:LicenseGrant").length).to.be.greaterThan(0);
    });
});
