/**
 * The headless browser the analytics report's test drives (playwright-core brings no browser of its own): Debian's
 * chromium, which `npm run browser:install` installs, or one the machine already has.
 */
import * as fs from "node:fs";

/** Environment variable naming the browser to use instead of looking for one. */
export const BROWSER_ENV = "CHROMIUM_PATH";

/**
 * Where a Chromium-based browser is looked for, first found wins: Debian's chromium (what `browser:install`
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
