/** Progress of a fleet run: a bar redrawn in place on a terminal, a line every tenth of the way otherwise (CI logs). */
export interface Progress {
    start(total: number, alreadyDone: number): void;
    advance(count: number, failed: number): void;
    finish(): void;
}

export function progressReporter(stream: NodeJS.WriteStream, label: string): Progress {
    let total = 0;
    let done = 0;
    let failed = 0;
    let lastTenth = -1;
    const line = () => {
        const width = 30;
        const share = total === 0 ? 1 : done / total;
        const bar = "#".repeat(Math.round(share * width)).padEnd(width, ".");
        return `${label} [${bar}] ${done.toLocaleString("en")}/${total.toLocaleString("en")} account-regions${failed ? `, ${failed} failed` : ""}`;
    };
    const draw = () => {
        if (stream.isTTY) stream.write(`\r${line()}`);
        else {
            const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
            if (tenth !== lastTenth) stream.write(`${line()}\n`);
            lastTenth = tenth;
        }
    };
    return {
        start(count, alreadyDone) {
            total = count;
            if (alreadyDone > 0) stream.write(`${label}: ${alreadyDone.toLocaleString("en")} account-regions need nothing or were done by an earlier run\n`);
            draw();
        },
        advance(count, failures) {
            done += count;
            failed += failures;
            draw();
        },
        finish() {
            if (stream.isTTY) stream.write("\n");
        },
    };
}
