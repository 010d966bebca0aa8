/**
 * A product's vendor command: the argv (no shell) its license server runs to load the installed user list. The
 * rules are stated once: the component checks the catalog with them at preview, the sync checks its configuration
 * with them before a command travels as data, and the license server's script checks each argument again before use
 * (components/hub/licenseServerDocument.ts).
 */

/** Placeholders a command template may use; the license server replaces them (never a shell). */
export const COMMAND_PLACEHOLDERS = ["{product}", "{usersFile}"] as const;
/** The vendor CLI on a Linux license server: an absolute path of plain characters. */
export const LINUX_EXECUTABLE = /^\/[A-Za-z0-9._+\-/]+$/;
/** A vendor CLI on a Windows license server: a drive-absolute path (spaces allowed: no shell ever parses it). */
export const WINDOWS_EXECUTABLE = /^[A-Za-z]:\\[^<>:"/|?*\u0000-\u001f{}]+$/;
export const MAX_COMMAND_ARGUMENTS = 64;
export const MAX_ARGUMENT_LENGTH = 1024;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const PLACEHOLDER = /\{[^{}]*\}/g;

/** Every problem of one command template, each starting with `field` (the path the user wrote). */
export function commandProblems(field: string, argv: unknown): string[] {
    if (!Array.isArray(argv) || argv.length === 0 || argv.length > MAX_COMMAND_ARGUMENTS) return [`${field}: must be an array of 1-${MAX_COMMAND_ARGUMENTS} arguments`];
    const problems: string[] = [];
    argv.forEach((arg: unknown, i) => {
        if (typeof arg !== "string" || arg.length === 0 || arg.length > MAX_ARGUMENT_LENGTH) {
            problems.push(`${field}[${i}]: must be a non-empty string of at most ${MAX_ARGUMENT_LENGTH} characters`);
            return;
        }
        if (CONTROL_CHARACTERS.test(arg)) problems.push(`${field}[${i}]: contains a control character`);
        for (const token of arg.match(PLACEHOLDER) ?? []) {
            if (!(COMMAND_PLACEHOLDERS as readonly string[]).includes(token)) {
                problems.push(`${field}[${i}]: unknown placeholder ${token}; allowed: ${COMMAND_PLACEHOLDERS.join(", ")}`);
            }
        }
        if (arg.replace(PLACEHOLDER, "").match(/[{}]/)) problems.push(`${field}[${i}]: has an unbalanced brace`);
    });
    if (typeof argv[0] === "string" && !LINUX_EXECUTABLE.test(argv[0]) && !WINDOWS_EXECUTABLE.test(argv[0])) {
        problems.push(`${field}[0]: must be the absolute path of the vendor CLI (Linux: /opt/..., no spaces; Windows: C:\\...; no placeholders)`);
    }
    if (!argv.some((a) => typeof a === "string" && a.includes("{usersFile}"))) problems.push(`${field}: must pass the user list with {usersFile}`);
    return problems;
}

export function isWindowsCommand(argv: readonly string[]): boolean {
    return WINDOWS_EXECUTABLE.test(argv[0] ?? "");
}

/**
 * One argv element for the MSVC runtime's command-line splitting (CommandLineToArgvW), still holding its
 * placeholders: bare when it has no space, tab or quote (and is not empty), else in double quotes with each `"`
 * escaped and the backslashes before a quote (and before the closing quote) doubled. The placeholder values are
 * safe in any position: a product name has no space, quote or backslash, and the users file path has no space or
 * quote and does not end in a backslash.
 */
export function windowsCommandLineArgument(arg: string): string {
    if (arg !== "" && !/[ \t\n\v"]/.test(arg)) return arg;
    let quoted = '"';
    let backslashes = 0;
    for (const ch of arg) {
        if (ch === "\\") {
            backslashes++;
            continue;
        }
        quoted += ch === '"' ? "\\".repeat(backslashes * 2 + 1) + '"' : "\\".repeat(backslashes) + ch;
        backslashes = 0;
    }
    return `${quoted}${"\\".repeat(backslashes * 2)}"`;
}

/** The arguments part of a Windows vendor command line (after the executable), placeholders still in. */
export function windowsArguments(argv: readonly string[]): string {
    return argv.slice(1).map(windowsCommandLineArgument).join(" ");
}
