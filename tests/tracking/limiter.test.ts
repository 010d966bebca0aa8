import { expect } from "chai";
import { mapWithConcurrency } from "../../functions/shared/concurrency";
import { interleaveBy } from "../../functions/license-usage-report/limiter";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("bounded concurrency", () => {
    it("runs every item, never more than the limit at once, and returns results in item order", async () => {
        let running = 0;
        let peak = 0;
        const items = Array.from({ length: 25 }, (_, i) => i);
        const results = await mapWithConcurrency(items, 4, async (item) => {
            running += 1;
            peak = Math.max(peak, running);
            for (let i = 0; i < (item * 7) % 5; i++) await tick();
            running -= 1;
            return item * 2;
        });
        expect(results).to.deep.equal(items.map((i) => i * 2));
        expect(peak).to.equal(4);
    });

    it("handles no items and a limit above the item count", async () => {
        expect(await mapWithConcurrency([], 3, async () => 1)).to.deep.equal([]);
        expect(await mapWithConcurrency(["a", "b"], 10, async (x, i) => `${x}${i}`)).to.deep.equal(["a0", "b1"]);
    });

    it("stops starting items after a failure, waits for those running, then throws the first error", async () => {
        const started: number[] = [];
        let finished = 0;
        const run = mapWithConcurrency([0, 1, 2, 3, 4, 5], 2, async (item) => {
            started.push(item);
            await tick();
            if (item === 0) await tick(); // item 1 fails while item 0 is still running
            finished += 1;
            if (item === 1) throw new Error("item 1 failed");
            return item;
        });
        await run.then(
            () => expect.fail("should have failed"),
            (err: Error) => expect(err.message).to.equal("item 1 failed"),
        );
        expect(started).to.deep.equal([0, 1]);
        expect(finished).to.equal(2);
    });

    it("refuses a limit that is not a positive integer", async () => {
        for (const limit of [0, -1, 1.5]) {
            await mapWithConcurrency([1], limit, async () => 1).then(
                () => expect.fail(`limit ${limit} accepted`),
                (err: Error) => expect(err.message).to.match(/positive integer/),
            );
        }
    });

    it("interleaves groups round robin, keeping each group's order", () => {
        const items = ["eu1", "eu2", "eu3", "us1", "ap1", "ap2"];
        expect(interleaveBy(items, (i) => i.slice(0, 2))).to.deep.equal(["eu1", "us1", "ap1", "eu2", "ap2", "eu3"]);
        expect(interleaveBy([], (i: string) => i)).to.deep.equal([]);
    });
});
