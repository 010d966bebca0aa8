import { expect } from "chai";
import { emittedValues } from "../../sandbox/story/alarms";

describe("sandbox alarm evaluation (embedded metric format in the function logs)", () => {
    const emf = (fields: Record<string, unknown>, metrics: string[], dimensions: string[][] = [["service"]]) =>
        JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: "LicenseOps", Dimensions: dimensions, Metrics: metrics.map((Name) => ({ Name, Unit: "Count" })) }] }, ...fields });

    it("reads a metric's values only where it is declared in the namespace with exactly the alarm's dimensions", () => {
        const lines = [
            emf({ service: "license-usage-report", ReceivedLicensesExpiringSoon: 2 }, ["ReceivedLicensesExpiringSoon"]),
            emf({ service: "hub-sync", ReceivedLicensesExpiringSoon: 5 }, ["ReceivedLicensesExpiringSoon"]),
            emf({ service: "license-usage-report", ReceivedLicensesExpiringSoon: 7 }, ["Other"]),
            '{"level":"INFO","message":"not a metric","ReceivedLicensesExpiringSoon":9}',
            "not json at all",
            emf({ service: "license-usage-report", ReceivedLicensesExpiringSoon: [0, 3] }, ["ReceivedLicensesExpiringSoon"]),
        ];
        expect(emittedValues(lines, "LicenseOps", "ReceivedLicensesExpiringSoon", { service: "license-usage-report" })).to.deep.equal([2, 0, 3]);
        expect(emittedValues(lines, "Elsewhere", "ReceivedLicensesExpiringSoon", { service: "license-usage-report" })).to.deep.equal([]);
    });
});
