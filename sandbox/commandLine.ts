import { parseArgs, ParseArgsConfig } from "node:util";

export type CommandLineValues = Record<string, string | boolean | undefined>;

/**
 * Parses the process's options strictly. Returns the values, or the exit code when the command is done: 0 after
 * printing `help` for --help, 2 after printing the error and `help` for unknown or malformed options.
 */
export function parseCommandLine(options: NonNullable<ParseArgsConfig["options"]>, help: string): CommandLineValues | number {
    let values: CommandLineValues;
    try {
        ({ values } = parseArgs({ options: { ...options, help: { type: "boolean", short: "h" } }, strict: true }) as { values: CommandLineValues });
    } catch (err) {
        console.error(`${(err as Error).message}\n\n${help}`);
        return 2;
    }
    if (values.help) {
        console.log(help);
        return 0;
    }
    return values;
}
