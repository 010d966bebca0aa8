/** `npm run docs:update`: rewrites the generated reference of each component's doc page from the TSDoc. */
import * as fs from "node:fs";
import * as path from "node:path";
import { componentPages } from "./docPages";

const root = path.resolve(__dirname, "..", "..");
for (const page of componentPages(root)) {
    if (page.current === page.expected) continue;
    fs.mkdirSync(path.dirname(path.join(root, page.doc)), { recursive: true });
    fs.writeFileSync(path.join(root, page.doc), page.expected);
    console.log(`updated ${page.doc}`);
}
