/**
 * `npm run browser:install`: provisions the headless browser of the analytics report's test ahead of time (the test
 * does it itself when needed; see chromium.ts). Does nothing when one is there.
 */
import { ensureChromium } from "./chromium";

try {
    console.log(`browser: ${ensureChromium()}`);
} catch (err) {
    console.error((err as Error).message);
    process.exit(1);
}
