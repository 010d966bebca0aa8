/**
 * A sandbox run's hold on its output directory: a lock file naming the process, so a second run on the same
 * directory refuses to start instead of wiping the first one's files, and the run's timeline log.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The sandbox's default output directory: `.sandbox/` at the repository root (gitignored). This module loads no
 * Pulumi, so the fire command starts quickly.
 */
export const DEFAULT_OUT_DIR = path.resolve(__dirname, "..", "..", ".sandbox");
export const LOCK_FILE = ".lock";
export const TIMELINE_LOG = "timeline.log";

export interface OutDirLock {
    /** The timeline, line by line, as the run printed it (also when its output is off). */
    readonly logFile: string;
    log(line: string): void;
    /** Closes the log and removes the lock (idempotent). */
    release(): void;
}

/** Thrown when another live process holds the directory. */
export class OutDirInUse extends Error {
    constructor(dir: string, pid: number) {
        super(`the output directory ${dir} is in use by another sandbox run (process ${pid}); wait for it to end, or give this run its own directory (--out DIR)`);
        this.name = "OutDirInUse";
    }
}

/**
 * Creates the directory and takes its lock; a lock left by a process that no longer runs is taken over. Throws
 * OutDirInUse while a live process (this one included: two runs in one process) holds it.
 */
export function lockOutDir(dir: string): OutDirLock {
    fs.mkdirSync(dir, { recursive: true });
    const lockFile = path.join(dir, LOCK_FILE);
    for (;;) {
        try {
            fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: "wx" });
            break;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
            const holder = Number(fs.readFileSync(lockFile, "utf8").trim());
            if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) throw new OutDirInUse(dir, holder);
            // Stale: its process is gone. Remove it and race for it again (another starter may win).
            fs.rmSync(lockFile, { force: true });
        }
    }
    const logFile = path.join(dir, TIMELINE_LOG);
    let fd: number | undefined = fs.openSync(logFile, "w");
    return {
        logFile,
        log(line) {
            if (fd !== undefined) fs.writeSync(fd, `${line}\n`);
        },
        release() {
            if (fd === undefined) return;
            fs.closeSync(fd);
            fd = undefined;
            fs.rmSync(lockFile, { force: true });
        },
    };
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}
