/**
 * `npm run browser:install`: makes sure a headless browser for the analytics report's test is there, installing
 * Debian's chromium with apt-get when none is found. Does nothing when one is (run it as often as you like).
 */
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { BROWSER_ENV, findChromium, installCommands } from "./chromium";

function main(): void {
    const found = findChromium();
    if (found) {
        console.log(`browser: ${found}`);
        return;
    }
    const uid = os.userInfo().uid;
    for (const [command, ...args] of installCommands(uid)) {
        console.log(`browser: ${[command, ...args].join(" ")}`);
        try {
            execFileSync(command, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
        } catch (err) {
            const how = uid === 0 ? "" : " (as a user: passwordless sudo is needed, or run it as root)";
            throw new Error(`browser: '${[command, ...args].join(" ")}' failed${how}. Install Debian's chromium yourself, or set ${BROWSER_ENV} to a Chromium or Chrome binary. ${(err as Error).message}`);
        }
    }
    const installed = findChromium();
    if (!installed) throw new Error(`browser: apt-get installed chromium but no browser was found; set ${BROWSER_ENV}`);
    console.log(`browser: ${installed}`);
}

try {
    main();
} catch (err) {
    console.error((err as Error).message);
    process.exit(1);
}
