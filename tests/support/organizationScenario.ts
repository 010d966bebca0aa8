import * as fs from "node:fs";
import type { Scenario } from "../../sandbox/world/scenario";
import { DEFAULT_SCENARIO_FILE } from "../../sandbox/world/scenarioFile";

/** The default scenario's accounts in an organisation: engineering in the workbench OU, research in an OU nested in it. */
export function organisationScenario(): Scenario {
    const scenario = JSON.parse(fs.readFileSync(DEFAULT_SCENARIO_FILE, "utf8")) as Scenario;
    delete scenario.departures;
    delete scenario.moves;
    for (const account of Object.values(scenario.accounts)) delete account.allowedOnHub;
    scenario.organization = {
        id: "o-a1b2c3d4e5",
        rootId: "r-ab12",
        units: {
            workbenches: { id: "ou-ab12-workbenches" },
            research: { id: "ou-ab12-researchwb", parent: "workbenches" },
            contractors: { id: "ou-ab12-contractors" },
            quarantine: { id: "ou-ab12-quarantine" },
            onboarding: { id: "ou-ab12-onboarding" },
        },
        workbenchUnits: ["workbenches"],
    };
    scenario.accounts.engineering.organizationalUnit = "workbenches";
    scenario.accounts.research.organizationalUnit = "research";
    scenario.accounts.contractor.organizationalUnit = "contractors";
    scenario.accounts.partner.organizationalUnit = "contractors";
    scenario.moves = [
        { at: "1:00", account: "partner", to: "workbenches" },
        { at: "3:00", account: "partner", to: "quarantine" },
    ];
    return scenario;
}
