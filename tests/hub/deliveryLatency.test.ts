import { expect } from "chai";
import { deliveryLatencies } from "../../functions/hub-sync/deliveryLatency";

describe("hub sync: event -> license server latency", () => {
    const holders = [
        { userId: "alice", firstAssignedAt: "2026-03-02T09:00:00.000Z" },
        { userId: "bob", firstAssignedAt: "2026-03-02T10:00:10.000Z" },
        { userId: "carol", firstAssignedAt: "2026-03-02T10:00:20.000Z" },
    ];
    const delivered = Date.parse("2026-03-02T10:00:30.000Z");

    it("measures only users on the delivered list whose claim is newer than the previous delivery", () => {
        // carol is left waiting (not on the list): her wait is a denial, not a latency.
        expect(deliveryLatencies(holders, ["alice", "bob"], "2026-03-02T10:00:00.000Z", delivered)).to.deep.equal([20]);
        expect(deliveryLatencies(holders, ["alice", "bob", "carol"], "2026-03-02T10:00:00.000Z", delivered)).to.deep.equal([20, 10]);
    });

    it("measures nothing without a previous delivery, and ignores claims stamped after the delivery", () => {
        expect(deliveryLatencies(holders, ["alice", "bob"], undefined, delivered)).to.deep.equal([]);
        expect(deliveryLatencies(holders, ["bob"], "2026-03-02T09:30:00.000Z", Date.parse("2026-03-02T10:00:05.000Z"))).to.deep.equal([]);
    });
});
