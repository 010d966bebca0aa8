import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BundleCache } from "../../components/lambda/bundleCache";

describe("the bundle cache of a checkout", () => {
    let root: string;
    let builds: number;
    let cache: BundleCache;
    const build = () => {
        builds++;
        return { code: `bundle of ${fs.readFileSync(path.join(root, "src", "index.ts"), "utf8")}`, inputs: ["src/index.ts", "src/lib.ts"] };
    };

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-cache-"));
        fs.mkdirSync(path.join(root, "src"));
        fs.writeFileSync(path.join(root, "src", "index.ts"), "v1");
        fs.writeFileSync(path.join(root, "src", "lib.ts"), "lib v1");
        builds = 0;
        cache = new BundleCache(path.join(root, "cache"), root);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("builds once and serves the stored bundle while the inputs are unchanged, also to another process's cache", () => {
        expect(cache.get("fn", "k1", build)).to.equal("bundle of v1");
        expect(cache.get("fn", "k1", build)).to.equal("bundle of v1");
        expect(new BundleCache(path.join(root, "cache"), root).get("fn", "k1", build)).to.equal("bundle of v1");
        expect(builds).to.equal(1);
    });

    it("rebuilds when any input's content changes, even one the entry point does not show", () => {
        cache.get("fn", "k1", build);
        fs.writeFileSync(path.join(root, "src", "lib.ts"), "lib v2");
        cache.get("fn", "k1", build);
        expect(builds).to.equal(2);
        fs.writeFileSync(path.join(root, "src", "index.ts"), "v3");
        expect(cache.get("fn", "k1", build)).to.equal("bundle of v3");
        expect(builds).to.equal(3);
    });

    it("rebuilds when an input is gone, the settings key differs or the entry is torn", () => {
        cache.get("fn", "k1", build);
        cache.get("fn", "k2", build);
        expect(builds).to.equal(2);
        fs.writeFileSync(path.join(root, "cache", "fn.json"), "{\"key\":");
        cache.get("fn", "k2", build);
        expect(builds).to.equal(3);
        fs.rmSync(path.join(root, "src", "lib.ts"));
        cache.get("fn", "k2", build);
        expect(builds).to.equal(4);
    });

    it("keeps entries of different handlers apart", () => {
        cache.get("a", "k", build);
        cache.get("b", "k", () => ({ code: "b", inputs: [] }));
        expect(cache.get("a", "k", build)).to.equal("bundle of v1");
        expect(cache.get("b", "k", build)).to.equal("b");
        expect(builds).to.equal(1);
    });
});
