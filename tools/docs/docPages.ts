/**
 * The generated part of each component's doc page: the text between two markers, replaced by `npm run docs:update`
 * and compared by `npm test`, so the tables never drift from the TSDoc. The prose around it is written by hand.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DOCUMENTED_COMPONENTS, componentReference } from "./componentReference";

export const UPDATE_COMMAND = "npm run docs:update";
export const BEGIN_MARKER = `<!-- BEGIN generated reference: edit the TSDoc, then run \`${UPDATE_COMMAND}\` -->`;
export const END_MARKER = "<!-- END generated reference -->";

/** The page with its generated part replaced by `reference` (appended at the end when the page has no markers yet). */
export function withReference(page: string, reference: string): string {
    const block = `${BEGIN_MARKER}\n\n${reference}\n\n${END_MARKER}`;
    const begin = page.indexOf(BEGIN_MARKER);
    const end = page.indexOf(END_MARKER);
    if (begin === -1 || end < begin) return `${page.trimEnd()}\n\n## Reference\n\n${block}\n`;
    return page.slice(0, begin) + block + page.slice(end + END_MARKER.length);
}

export interface DocPage {
    /** Path relative to the project root. */
    doc: string;
    component: string;
    current: string;
    expected: string;
}

/** Each component's page as it is and as it should be. */
export function componentPages(root: string): DocPage[] {
    return DOCUMENTED_COMPONENTS.map(({ component, source, doc }) => {
        const file = path.join(root, doc);
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        const base = current || `# ${component}\n`;
        return { doc, component, current, expected: withReference(base, componentReference(root, component, source)) };
    });
}
