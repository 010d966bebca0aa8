import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { isKnown, validated, whenKnown } from "../../components/shared/validation";
import { runUnderMocks } from "../support/pulumiMocks";

/** The settled value of an Output, or the error it rejected with. */
function outcome<T>(output: pulumi.Output<T>): Promise<{ value?: T; error?: unknown }> {
    return (output as unknown as { promise(): Promise<T> }).promise().then(
        (value) => ({ value }),
        (error) => ({ error }),
    );
}

const positive = (field: string) => (n: number) => {
    if (!(n > 0)) throw new Error(`hub: ${field} must be positive (got ${n})`);
    return n * 2;
};

describe("validation of inputs that may be outputs", () => {
    it("tells plain values from values hiding an Output or a Promise at any depth", () => {
        expect(isKnown({ a: [1, "x", { b: true }] })).to.equal(true);
        expect(isKnown({ a: [1, { b: pulumi.output(1) }] })).to.equal(false);
        expect(isKnown([Promise.resolve(1)])).to.equal(false);
    });

    it("checks a plain value at once, so a bad argument fails at construction", () => {
        expect(() => validated(-1, positive("seats"))).to.throw(/hub: seats must be positive \(got -1\)/);
    });

    it("checks an output once known and fails with a one-line ResourceError on the component, naming the field", async () => {
        const { result } = await runUnderMocks(async () => {
            const component = new pulumi.ComponentResource("test:index:Thing", "thing");
            const good = await outcome(validated(pulumi.output(4), positive("seats"), component));
            expect(good.value).to.equal(8);
            const bad = await outcome(validated({ nested: [pulumi.output(-2)] }, (v) => positive("seats")(v.nested[0]), component));
            expect(pulumi.ResourceError.isInstance(bad.error)).to.equal(true);
            expect((bad.error as pulumi.ResourceError).message).to.equal("hub: seats must be positive (got -2)");
            expect((bad.error as pulumi.ResourceError).hideStack).to.equal(true);
            const kept = await outcome(whenKnown(pulumi.output("x"), () => undefined, component));
            expect(kept.value).to.equal("x");
        });
        await result;
    });
});
