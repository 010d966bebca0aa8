/**
 * The SSM Command document the hub runs on a license server to install one product's user list. Plain data (no
 * Pulumi), so tests can render it and run its script.
 *
 * The list travels as data: aws:downloadContent fetches the S3 object named by `listObjectKey`, and the shell step
 * reads product, checksum and generation from environment variables (interpolationType ENV_VAR, SSM Agent
 * 3.3.2746.0 or later), re-validates them, verifies the file's SHA-256, installs it atomically under a per-product
 * lock, refuses generations older than the one installed (and an equal one with another list) with a distinct exit
 * code, and runs the vendor CLI as an argv array. User ids only
 * ever exist in the file; the vendor CLI reads them from `{usersFile}`.
 */
import { APPLY_STEP_NAME, APPLY_WINDOWS_STEP_NAME, LICENSE_DOCUMENT_PARAMETERS, SUPERSEDED_EXIT_CODE, USER_LIST_PREFIX } from "../../functions/hub-shared/userList";
import { WINDOWS_EXECUTABLE } from "./catalog";
import { DEFAULT_WINDOWS_WORK_DIRECTORY, licenseServerPowerShellScript } from "./licenseServerWindowsScript";

export interface LicenseServerDocumentOptions {
    /** Hub bucket holding the user lists. */
    bucketName: string;
    region: string;
    /** DNS suffix of the partition (amazonaws.com, amazonaws.com.cn). */
    dnsSuffix: string;
    /** Directory on the license server the lists are installed under. */
    workDirectory: string;
    /** Directory on a Windows license server the lists are installed under. Default `C:\ProgramData\license-hub`. */
    windowsWorkDirectory?: string;
    /** Product -> vendor CLI argv template, or undefined to only install the file. */
    commands: Record<string, readonly string[] | undefined>;
    /** Seconds the shell step (vendor CLI included) may run. */
    executionTimeoutSeconds: number;
}

/** Where the document installs lists by default. */
export const DEFAULT_WORK_DIRECTORY = "/var/lib/license-hub";
export const WORK_DIRECTORY_PATTERN = /^\/(?!.*\/\.\.?(\/|$))[A-Za-z0-9._\-/]{1,200}$/;

const PLACEHOLDER_VARIABLES: Record<string, string> = { "{product}": "product", "{usersFile}": "users_file" };

/**
 * One argv element as a POSIX shell word: literal text single-quoted (a `'` becomes `'\''`), placeholders as
 * double-quoted variable expansions, so nothing in the template or in the values is ever parsed by the shell.
 */
export function shellWord(template: string): string {
    return template
        .split(/(\{product\}|\{usersFile\})/)
        .filter((part) => part !== "")
        .map((part) => (part in PLACEHOLDER_VARIABLES ? `"$${PLACEHOLDER_VARIABLES[part]}"` : `'${part.replace(/'/g, `'\\''`)}'`))
        .join("");
}

/** The shell step, one line per array element (as aws:runShellScript takes it). */
export function licenseServerScript(workDirectory: string, commands: Record<string, readonly string[] | undefined>): string[] {
    assertWorkDirectory(workDirectory);
    const p = LICENSE_DOCUMENT_PARAMETERS;
    const env = (name: string) => `SSM_${name}`;
    const cases = Object.entries(commands)
        .filter((entry): entry is [string, readonly string[]] => entry[1] !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([product, argv]) =>
            WINDOWS_EXECUTABLE.test(argv[0])
                ? `  ${shellWord(product)}) fail "the vendor command of $product is a Windows path; this license server runs Linux" ;;`
                : `  ${shellWord(product)}) set -- ${argv.map(shellWord).join(" ")} ;;`,
        );
    return [
        "#!/bin/sh",
        "# LicenseServerHub: installs one product's user list and runs the vendor CLI on it.",
        "# Parameters come from the environment and are checked again; user ids only ever come from the file.",
        "set -eu",
        "umask 022",
        `fail() { echo "license-hub: $*" >&2; exit 1; }`,
        `if [ -z "\${${env(p.product.name)}:-}" ] || [ -z "\${${env(p.listSha256.name)}:-}" ] || [ -z "\${${env(p.generation.name)}:-}" ]; then`,
        `  fail "parameters missing from the environment: SSM Agent 3.3.2746.0 or later is required"`,
        "fi",
        `product=$${env(p.product.name)}`,
        `list_sha256=$${env(p.listSha256.name)}`,
        `generation=$${env(p.generation.name)}`,
        `case "$product" in ''|[!A-Za-z0-9]*|*[!A-Za-z0-9._-]*) fail "invalid product name" ;; esac`,
        `[ "\${#product}" -le 64 ] || fail "invalid product name"`,
        `case "$list_sha256" in *[!0-9a-f]*) fail "invalid list checksum" ;; esac`,
        `[ "\${#list_sha256}" -eq 64 ] || fail "invalid list checksum"`,
        `case "$generation" in ''|*[!0-9]*) fail "invalid generation" ;; esac`,
        `[ "\${#generation}" -le 18 ] || fail "invalid generation"`,
        `work_dir=${shellWord(workDirectory)}`,
        `incoming="$work_dir/incoming/${USER_LIST_PREFIX}$product/$list_sha256.txt"`,
        `[ -f "$incoming" ] || fail "user list $incoming was not downloaded"`,
        `actual=$(sha256sum "$incoming" | cut -d ' ' -f 1)`,
        `[ "$actual" = "$list_sha256" ] || fail "user list of $product does not match its checksum"`,
        `product_dir="$work_dir/products/$product"`,
        `mkdir -p "$product_dir"`,
        `exec 9>"$product_dir/.lock"`,
        `flock -w 60 9 || fail "another update of $product is still running"`,
        "last=0",
        `if [ -f "$product_dir/generation" ]; then last=$(cat "$product_dir/generation"); fi`,
        `case "$last" in ''|*[!0-9]*) last=0 ;; esac`,
        `users_file="$product_dir/users.txt"`,
        "# Generations never repeat for different lists: an older one, or the same one with another list, lost a race.",
        `if [ "$generation" -eq "$last" ] && [ -f "$users_file" ] && [ "$(sha256sum "$users_file" | cut -d ' ' -f 1)" = "$list_sha256" ]; then`,
        `  echo "license-hub: $product generation $generation already applied"`,
        "  exit 0",
        "fi",
        `if [ "$generation" -le "$last" ]; then`,
        `  echo "license-hub: $product holds generation $last; generation $generation refused (superseded)"`,
        `  exit ${SUPERSEDED_EXIT_CODE}`,
        "fi",
        `cp "$incoming" "$users_file.new"`,
        `mv -f "$users_file.new" "$users_file"`,
        `case "$product" in`,
        ...cases,
        "  *) set -- ;;",
        "esac",
        `if [ "$#" -gt 0 ]; then "$@" || fail "vendor command for $product exited with status $?"; fi`,
        `printf '%s\\n' "$generation" > "$product_dir/generation.new"`,
        `mv -f "$product_dir/generation.new" "$product_dir/generation"`,
        `find "$work_dir/incoming/${USER_LIST_PREFIX}$product" -type f -mmin +1440 -exec rm -f {} + 2>/dev/null || true`,
        `echo "license-hub: $product generation $generation applied ($(wc -l < "$users_file" | tr -d ' ') users)"`,
    ];
}

/** The document content (JSON), schema 2.2: a Linux branch and a Windows branch, each run only on its platform. */
export function renderLicenseServerDocument(options: LicenseServerDocumentOptions): string {
    const p = LICENSE_DOCUMENT_PARAMETERS;
    const linuxOnly = { StringEquals: ["platformType", "Linux"] };
    const windowsOnly = { StringEquals: ["platformType", "Windows"] };
    const windowsWorkDirectory = options.windowsWorkDirectory ?? DEFAULT_WINDOWS_WORK_DIRECTORY;
    const objectUrl = `https://${options.bucketName}.s3.${options.region}.${options.dnsSuffix}/{{ ${p.listObjectKey.name} }}`;
    const document = {
        schemaVersion: "2.2",
        description: "LicenseServerHub: installs a product's named-user list from S3 on its license server and runs the vendor CLI.",
        parameters: {
            [p.product.name]: {
                type: "String",
                description: "Licensed product whose user list is installed.",
                allowedPattern: p.product.pattern,
                interpolationType: "ENV_VAR",
            },
            [p.listSha256.name]: {
                type: "String",
                description: "SHA-256 of the user list; the script refuses a file that does not match.",
                allowedPattern: p.listSha256.pattern,
                interpolationType: "ENV_VAR",
            },
            [p.listObjectKey.name]: {
                type: "String",
                description: "S3 key of the user list in the hub bucket (used by the download step only).",
                allowedPattern: p.listObjectKey.pattern,
            },
            [p.generation.name]: {
                type: "String",
                description: "Generation of the sync tick that computed the list; the server refuses one older than it holds.",
                allowedPattern: p.generation.pattern,
                interpolationType: "ENV_VAR",
            },
        },
        mainSteps: [
            {
                action: "aws:downloadContent",
                name: "downloadUserList",
                precondition: linuxOnly,
                inputs: {
                    sourceType: "S3",
                    sourceInfo: JSON.stringify({ path: objectUrl }),
                    destinationPath: `${options.workDirectory}/incoming/{{ ${p.listObjectKey.name} }}`,
                },
            },
            {
                action: "aws:runShellScript",
                name: APPLY_STEP_NAME,
                precondition: linuxOnly,
                inputs: {
                    timeoutSeconds: String(options.executionTimeoutSeconds),
                    runCommand: licenseServerScript(options.workDirectory, options.commands),
                },
            },
            {
                action: "aws:downloadContent",
                name: "downloadUserListWindows",
                precondition: windowsOnly,
                inputs: {
                    sourceType: "S3",
                    sourceInfo: JSON.stringify({ path: objectUrl }),
                    destinationPath: `${windowsWorkDirectory}\\incoming\\{{ ${p.listObjectKey.name} }}`,
                },
            },
            {
                action: "aws:runPowerShellScript",
                name: APPLY_WINDOWS_STEP_NAME,
                precondition: windowsOnly,
                inputs: {
                    timeoutSeconds: String(options.executionTimeoutSeconds),
                    runCommand: licenseServerPowerShellScript(windowsWorkDirectory, options.commands),
                },
            },
        ],
    };
    return JSON.stringify(document, null, 2);
}

export function assertWorkDirectory(directory: string): void {
    if (!WORK_DIRECTORY_PATTERN.test(directory) || directory.endsWith("/")) {
        throw new Error(`license server work directory ${JSON.stringify(directory)} must be an absolute path of letters, digits, '.', '_', '-' and '/' without a trailing '/' or '..'`);
    }
}
