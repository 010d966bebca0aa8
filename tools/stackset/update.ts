/** `npm run template:update`: renders the forwarder's StackSet template and writes the committed copy. */
import * as fs from "node:fs";
import { FORWARDER_TEMPLATE_FILE } from "../../components/stackset/forwarderTemplate";
import { renderForwarderTemplate } from "./renderForwarderTemplate";

renderForwarderTemplate().then(
    (template) => {
        fs.writeFileSync(FORWARDER_TEMPLATE_FILE, `${JSON.stringify(template, null, 2)}\n`);
        console.error(`wrote ${FORWARDER_TEMPLATE_FILE}: ${Object.keys(template.Resources).length} resources`);
    },
    (err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    },
);
