/**
 * The headless browser the analytics report's test drives (playwright-core brings no browser of its own): one the
 * machine already has, else Debian's chromium, which the test installs itself the first time (`ensureChromium`), so
 * `npm ci` and `npm test` are the whole set-up.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";

/** Environment variable naming the browser to use instead of looking for one. */
export const BROWSER_ENV = "CHROMIUM_PATH";

/**
 * Where a Chromium-based browser is looked for, first found wins: Debian's chromium (what `ensureChromium`
 * installs), then Google Chrome (preinstalled on GitHub's Ubuntu runners), then Ubuntu's chromium-browser (on
 * Ubuntu a wrapper around the snap, so last).
 */
export const BROWSER_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/google-chrome-stable", "/usr/bin/google-chrome", "/usr/bin/chromium-browser"] as const;

/** The browser to drive: `$CHROMIUM_PATH` when set (it must exist), else the first candidate present. */
export function findChromium(env: NodeJS.ProcessEnv = process.env, exists: (file: string) => boolean = fs.existsSync): string | undefined {
    const chosen = env[BROWSER_ENV];
    if (chosen) {
        if (!exists(chosen)) throw new Error(`${BROWSER_ENV}=${chosen}: no such file (unset it to look in ${BROWSER_CANDIDATES.join(", ")})`);
        return chosen;
    }
    return BROWSER_CANDIDATES.find((file) => exists(file));
}

/**
 * The commands that install Debian's chromium: apt-get as is for root (containers, CI images), through `sudo -n`
 * otherwise, which fails at once instead of waiting at a password prompt no one sees.
 */
export function installCommands(uid: number): string[][] {
    const asRoot = (command: string[]) => (uid === 0 ? command : ["sudo", "-n", ...command]);
    return [asRoot(["apt-get", "update"]), asRoot(["apt-get", "install", "-y", "--no-install-recommends", "chromium"])];
}

export interface EnsureChromiumDeps {
    env?: NodeJS.ProcessEnv;
    exists?: (file: string) => boolean;
    uid?: number;
    /** Runs one install command; throws with its output when it fails. */
    run?: (command: string, args: string[]) => void;
    /** Where the one line saying what happens goes. */
    log?: (line: string) => void;
}

/**
 * The browser to drive, installing Debian's chromium first when none is found (one line says so; apt-get's own
 * output is shown only when it fails). Throws one line naming the fix when the install is impossible.
 */
export function ensureChromium(deps: EnsureChromiumDeps = {}): string {
    const { env = process.env, exists = fs.existsSync, uid = os.userInfo().uid, log = (line: string) => console.log(line) } = deps;
    const run = deps.run ?? runQuietly;
    const found = findChromium(env, exists);
    if (found) return found;
    const commands = installCommands(uid);
    log(`browser: no headless browser found for the analytics report's test; installing Debian's chromium once (${commands.map((c) => c.join(" ")).join("; ")})`);
    for (const [command, ...args] of commands) {
        try {
            run(command, args);
        } catch (err) {
            const how = uid === 0 ? "" : " (as a user: passwordless sudo is needed, or run it as root)";
            throw new Error(`browser: '${[command, ...args].join(" ")}' failed${how}. Install Debian's chromium yourself, or set ${BROWSER_ENV} to a Chromium or Chrome binary. ${(err as Error).message}`);
        }
    }
    const installed = findChromium(env, exists);
    if (!installed) throw new Error(`browser: apt-get installed chromium but no browser was found in ${BROWSER_CANDIDATES.join(", ")}; set ${BROWSER_ENV}`);
    return installed;
}

function runQuietly(command: string, args: string[]): void {
    try {
        execFileSync(command, args, { stdio: "pipe", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
        const output = String((err as { stderr?: Buffer }).stderr ?? "").trim().split("\n").slice(-5).join(" | ");
        throw new Error(output || (err as Error).message);
    }
}
