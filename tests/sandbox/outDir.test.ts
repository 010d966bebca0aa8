import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LOCK_FILE, OutDirInUse, lockOutDir } from "../../sandbox/runtime/outDir";

describe("sandbox output directory lock", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-lock-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses a second run on a directory a live run holds, and frees it on release", () => {
        const first = lockOutDir(dir);
        expect(() => lockOutDir(dir)).to.throw(OutDirInUse, /in use by another sandbox run \(process \d+\).*--out DIR/);
        first.log("t=00:05  engineering   EC2 alice-cae running");
        first.release();
        expect(fs.readFileSync(first.logFile, "utf8")).to.equal("t=00:05  engineering   EC2 alice-cae running\n");
        expect(fs.existsSync(path.join(dir, LOCK_FILE))).to.equal(false);
        lockOutDir(dir).release();
    });

    it("takes over a lock whose process is gone", () => {
        const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
        fs.writeFileSync(path.join(dir, LOCK_FILE), `${gone.stdout}\n`);
        const lock = lockOutDir(dir);
        expect(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")).to.equal(`${process.pid}\n`);
        lock.release();
    });
});
