import { expect } from "chai";
import { Ec2Truth } from "../../sandbox/world/ec2Truth";

const ACCOUNT = "111111111111";
const REGION = "eu-central-1";
const TAGS = { "vew:workbench:ownerId": "alice", "vew:workbench:type": "cad" };

describe("sandbox EC2 truth: what the inventory may list, and when", () => {
    const truth = () => {
        const t = new Ec2Truth();
        t.seed(ACCOUNT, REGION, "i-0000000000000000a", "running", TAGS);
        t.seed(ACCOUNT, REGION, "i-0000000000000000b", "stopped", TAGS);
        t.seed("222222222222", REGION, "i-0000000000000000c", "running", TAGS);
        return t;
    };
    const stateOf = (t: Ec2Truth, id: string, at: number) => Object.fromEntries(t.view(ACCOUNT, REGION, at))[id];

    it("lists an account's instances in their state at a time: at deployment, then after each change that happened", () => {
        const t = truth();
        t.change("i-0000000000000000b", 60, "running");
        t.change("i-0000000000000000b", 90, "stopped", {});
        expect(t.view(ACCOUNT, REGION, 0).map(([id]) => id)).to.deep.equal(["i-0000000000000000a", "i-0000000000000000b"]);
        expect(stateOf(t, "i-0000000000000000b", 0)).to.deep.equal({ state: "stopped", tags: TAGS });
        expect(stateOf(t, "i-0000000000000000b", 75)).to.deep.equal({ state: "running", tags: TAGS });
        expect(stateOf(t, "i-0000000000000000b", 90), "tags removed with the stop").to.deep.equal({ state: "stopped", tags: {} });
    });

    it("keeps the inventory's view before the earliest change whose delivery has not finished, however late it is", () => {
        const t = truth();
        t.change("i-0000000000000000b", 60, "running", undefined, 0);
        t.change("i-0000000000000000a", 30, "stopped", undefined, 1);
        t.change("i-0000000000000000a", 45, "running");
        expect(t.observableUntil(20)).to.equal(20);
        expect(t.observableUntil(100)).to.be.below(30).and.above(29.9);
        expect(stateOf(t, "i-0000000000000000a", t.observableUntil(100)).state).to.equal("running");
        t.finished(1);
        expect(t.observableUntil(100)).to.be.below(60).and.above(59.9);
        expect(stateOf(t, "i-0000000000000000b", t.observableUntil(100)).state, "the start still on its way is not listed").to.equal("stopped");
        t.finished(0);
        expect(t.observableUntil(100)).to.equal(100);
        expect(stateOf(t, "i-0000000000000000b", t.observableUntil(100)).state).to.equal("running");
    });

    it("lists an account-region's instances only: EC2 is regional, so each region's inventory covers its own workbenches", () => {
        const t = truth();
        t.seed(ACCOUNT, "eu-west-1", "i-0000000000000000d", "running", TAGS);
        expect(t.view(ACCOUNT, REGION, 0).map(([id]) => id)).to.deep.equal(["i-0000000000000000a", "i-0000000000000000b"]);
        expect(t.view(ACCOUNT, "eu-west-1", 0).map(([id]) => id)).to.deep.equal(["i-0000000000000000d"]);
        expect(t.view("222222222222", "eu-west-1", 0), "no instance of another account").to.deep.equal([]);
    });
});
