/**
 * The SSM Command document the hub runs on a license server to install the user lists of one bundle (one or more
 * products, functions/hub-shared/bundle.ts). Plain data (no Pulumi), so tests can render it and run its script.
 *
 * Everything per product travels as data: aws:downloadContent fetches the bundle named by `bundleObjectKey`; the
 * shell step reads the bundle's checksum from an environment variable (interpolationType ENV_VAR, SSM Agent
 * 3.3.2746.0 or later), verifies the bundle, then checks every header field and vendor argument again, and per
 * product: verifies the list's SHA-256, installs it atomically under a per-product lock, refuses generations older
 * than the one installed (and an equal one with another list) as superseded, and runs the vendor CLI as an argv
 * built argument by argument (placeholders replaced by parameter expansion; no shell ever parses an argument). Each
 * product runs in its own process, so one product's failure does not stop the next; each reports a result line.
 * The document is therefore the same size for 1 product or 400.
 */
import { APPLY_STEP_NAME, APPLY_WINDOWS_STEP_NAME, LICENSE_DOCUMENT_PARAMETERS, SUPERSEDED_EXIT_CODE, USER_LIST_PREFIX } from "../../functions/hub-shared/userList";
import { BUNDLE_HEADER, BUNDLE_LISTS_MARKER, BUNDLE_PREFIX } from "../../functions/hub-shared/bundle";
import { MAX_ARGUMENT_LENGTH, MAX_COMMAND_ARGUMENTS } from "../../functions/hub-shared/vendorCommand";
import { DEFAULT_WINDOWS_WORK_DIRECTORY, licenseServerPowerShellScript } from "./licenseServerWindowsScript";

export interface LicenseServerDocumentOptions {
    /** Hub bucket holding the bundles. */
    bucketName: string;
    region: string;
    /** DNS suffix of the partition (amazonaws.com, amazonaws.com.cn). */
    dnsSuffix: string;
    /** Directory on the license server the lists are installed under. */
    workDirectory: string;
    /** Directory on a Windows license server the lists are installed under. Default `C:\ProgramData\license-hub`. */
    windowsWorkDirectory?: string;
    /** Seconds the script step (every product's vendor CLI included) may run. */
    executionTimeoutSeconds: number;
}

/** Where the document installs lists by default. */
export const DEFAULT_WORK_DIRECTORY = "/var/lib/license-hub";
export const WORK_DIRECTORY_PATTERN = /^\/(?!.*\/\.\.?(\/|$))[A-Za-z0-9._\-/]{1,200}$/;

/** Literal text as a POSIX shell word: single-quoted (a `'` becomes `'\''`), so the shell never parses it. */
export function shellWord(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The shell step, one line per array element (as aws:runShellScript takes it). */
export function licenseServerScript(workDirectory: string): string[] {
    assertWorkDirectory(workDirectory);
    const env = `SSM_${LICENSE_DOCUMENT_PARAMETERS.bundleSha256.name}`;
    return [
        "#!/bin/sh",
        "# LicenseServerHub: installs the user lists of one bundle and runs each product's vendor CLI on its list.",
        "# Everything comes from the bundle (verified by its checksum) and is checked again; no shell parses any of it.",
        "set -eu",
        "umask 022",
        `fail() { echo "license-hub: $*" >&2; exit 1; }`,
        `valid_name() { case "$1" in ''|[!A-Za-z0-9]*|*[!A-Za-z0-9._-]*) return 1 ;; esac; [ "\${#1}" -le 64 ]; }`,
        `valid_number() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; [ "\${#1}" -le "$2" ]; }`,
        `valid_sha256() { case "$1" in *[!0-9a-f]*) return 1 ;; esac; [ "\${#1}" -eq 64 ]; }`,
        `[ -n "\${${env}:-}" ] || fail "parameters missing from the environment: SSM Agent 3.3.2746.0 or later is required"`,
        `bundle_sha256=$${env}`,
        `valid_sha256 "$bundle_sha256" || fail "invalid bundle checksum"`,
        `work_dir=${shellWord(workDirectory)}`,
        `bundle="$work_dir/incoming/${BUNDLE_PREFIX}$bundle_sha256.txt"`,
        `[ -f "$bundle" ] || fail "bundle $bundle was not downloaded"`,
        `[ "$(sha256sum "$bundle" | cut -d ' ' -f 1)" = "$bundle_sha256" ] || fail "bundle does not match its checksum"`,
        `staging="$work_dir/incoming/staging/$bundle_sha256.$$"`,
        `rm -rf "$staging"`,
        `mkdir -p "$staging"`,
        `trap 'rm -rf "$staging"' EXIT`,
        "# The headers: each product's fields and vendor arguments, checked; the lists follow the line 'users'.",
        `exec 7<"$bundle"`,
        `IFS= read -r line <&7 || line=`,
        `[ "$line" = ${shellWord(BUNDLE_HEADER)} ] || fail "not a bundle of version 1"`,
        "line_no=1",
        "product=",
        "lists=",
        "while IFS= read -r line <&7; do",
        "  line_no=$((line_no + 1))",
        "  case \"$line\" in",
        `    *[[:cntrl:]]*) fail "bundle line $line_no has a control character" ;;`,
        "    'product '*)",
        "      set -f",
        "      set -- $line",
        "      set +f",
        `      [ "$#" -eq 6 ] || fail "bundle line $line_no: malformed product header"`,
        `      valid_name "$2" && valid_number "$3" 18 && valid_sha256 "$4" && valid_number "$5" 9 && valid_number "$6" 2 || fail "bundle line $line_no: invalid product header"`,
        `      [ "$6" -le ${MAX_COMMAND_ARGUMENTS} ] || fail "bundle line $line_no: too many vendor arguments"`,
        `      product=$2`,
        `      [ ! -e "$staging/$product.fields" ] || fail "bundle line $line_no: $product appears twice"`,
        `      printf '%s %s %s %s\\n' "$3" "$4" "$5" "$6" > "$staging/$product.fields"`,
        `      : > "$staging/$product.args"`,
        `      printf '%s\\n' "$product" >> "$staging/products" ;;`,
        `    'arg '*) [ -n "$product" ] || fail "bundle line $line_no: an argument before any product"; printf '%s\\n' "\${line#arg }" >> "$staging/$product.args" ;;`,
        "    'windows-arguments '*) ;;",
        `    ${shellWord(BUNDLE_LISTS_MARKER)}) lists=$((line_no + 1)); break ;;`,
        `    *) fail "bundle line $line_no is not understood" ;;`,
        "  esac",
        "done",
        "exec 7<&-",
        `[ -n "$lists" ] && [ -f "$staging/products" ] || fail "bundle has no products or no lists"`,
        "# One argument of a vendor command, its placeholders replaced: the result is one word whatever it holds.",
        "expand() {",
        `  rest=$1`,
        "  expanded=",
        "  while :; do",
        `    head=\${rest%%"{"*}`,
        `    case "$head" in *"}"*) fail "the vendor command of $product has an unbalanced brace" ;; esac`,
        "    expanded=$expanded$head",
        `    [ "$head" != "$rest" ] || return 0`,
        `    rest=\${rest#"$head"}`,
        "    case \"$rest\" in",
        `      '{product}'*) expanded=$expanded$product; rest=\${rest#'{product}'} ;;`,
        `      '{usersFile}'*) expanded=$expanded$users_file; rest=\${rest#'{usersFile}'} ;;`,
        `      *) fail "the vendor command of $product has an unknown placeholder" ;;`,
        "    esac",
        "  done",
        "}",
        "install_product() {",
        `  list="$staging/$product.list"`,
        `  if [ "$lines" -gt 0 ]; then sed -n "\${first},$((first + lines - 1))p" "$bundle" > "$list"; else : > "$list"; fi`,
        `  [ "$(sha256sum "$list" | cut -d ' ' -f 1)" = "$list_sha256" ] || fail "user list of $product does not match its checksum"`,
        `  [ "$(wc -l < "$staging/$product.args" | tr -d ' ')" -eq "$argc" ] || fail "the vendor command of $product does not have $argc arguments"`,
        `  product_dir="$work_dir/products/$product"`,
        `  mkdir -p "$product_dir"`,
        `  exec 9>"$product_dir/.lock"`,
        `  flock -w 60 9 || fail "another update of $product is still running"`,
        "  last=0",
        `  if [ -f "$product_dir/generation" ]; then last=$(cat "$product_dir/generation"); fi`,
        `  valid_number "$last" 18 || last=0`,
        `  users_file="$product_dir/users.txt"`,
        "  # Generations never repeat for different lists: an older one, or the same one with another list, lost a race.",
        `  if [ "$generation" -eq "$last" ] && [ -f "$users_file" ] && [ "$(sha256sum "$users_file" | cut -d ' ' -f 1)" = "$list_sha256" ]; then`,
        `    echo "license-hub: $product generation $generation already applied"`,
        `    echo "result $product applied $generation"`,
        "    exit 0",
        "  fi",
        `  if [ "$generation" -le "$last" ]; then`,
        `    echo "license-hub: $product holds generation $last; generation $generation refused (superseded)"`,
        `    echo "result $product superseded $last"`,
        `    exit ${SUPERSEDED_EXIT_CODE}`,
        "  fi",
        "  # The vendor command, argument by argument; each checked again before it is used.",
        "  set --",
        `  while IFS= read -r template; do`,
        `    [ -n "$template" ] && [ "\${#template}" -le ${MAX_ARGUMENT_LENGTH} ] || fail "the vendor command of $product has an empty or oversized argument"`,
        `    if [ "$#" -eq 0 ]; then`,
        `      case "$template" in [A-Za-z]:\\\\*) fail "the vendor command of $product is a Windows path; this license server runs Linux" ;; esac`,
        `      case "$template" in /*) ;; *) fail "the vendor command of $product is not an absolute path" ;; esac`,
        `      case "$template" in *[!A-Za-z0-9._+/-]*) fail "the vendor command of $product is not a plain absolute path" ;; esac`,
        "    fi",
        `    expand "$template"`,
        `    set -- "$@" "$expanded"`,
        `  done < "$staging/$product.args"`,
        `  cp "$list" "$users_file.new"`,
        `  mv -f "$users_file.new" "$users_file"`,
        `  if [ "$#" -gt 0 ]; then "$@" 8<&- 9>&- || fail "vendor command for $product exited with status $?"; fi`,
        `  printf '%s\\n' "$generation" > "$product_dir/generation.new"`,
        `  mv -f "$product_dir/generation.new" "$product_dir/generation"`,
        `  echo "license-hub: $product generation $generation applied ($(wc -l < "$users_file" | tr -d ' ') users)"`,
        `  echo "result $product applied $generation"`,
        "}",
        "# Each product in its own process: set -e holds inside it, and one product's failure does not stop the next.",
        "status=0",
        "first=$lists",
        `while IFS= read -r product <&8; do`,
        `  read -r generation list_sha256 lines argc < "$staging/$product.fields"`,
        "  ( install_product ) &",
        `  if wait "$!"; then rc=0; else rc=$?; fi`,
        "  case \"$rc\" in",
        "    0) ;;",
        `    ${SUPERSEDED_EXIT_CODE}) [ "$status" -ne 0 ] || status=${SUPERSEDED_EXIT_CODE} ;;`,
        `    *) echo "result $product failed $generation"; status=1 ;;`,
        "  esac",
        "  first=$((first + lines))",
        `done 8<"$staging/products"`,
        `find "$work_dir/incoming/${USER_LIST_PREFIX}" -type f -mmin +1440 -exec rm -f {} + 2>/dev/null || true`,
        `exit "$status"`,
    ];
}

/** The document content (JSON), schema 2.2: a Linux branch and a Windows branch, each run only on its platform. */
export function renderLicenseServerDocument(options: LicenseServerDocumentOptions): string {
    const p = LICENSE_DOCUMENT_PARAMETERS;
    const linuxOnly = { StringEquals: ["platformType", "Linux"] };
    const windowsOnly = { StringEquals: ["platformType", "Windows"] };
    const windowsWorkDirectory = options.windowsWorkDirectory ?? DEFAULT_WINDOWS_WORK_DIRECTORY;
    const objectUrl = `https://${options.bucketName}.s3.${options.region}.${options.dnsSuffix}/{{ ${p.bundleObjectKey.name} }}`;
    const document = {
        schemaVersion: "2.2",
        description: "LicenseServerHub: installs products' named-user lists from a bundle in S3 on their license server and runs the vendor CLIs.",
        parameters: {
            [p.bundleSha256.name]: {
                type: "String",
                description: "SHA-256 of the bundle; the script refuses a file that does not match.",
                allowedPattern: p.bundleSha256.pattern,
                interpolationType: "ENV_VAR",
            },
            [p.bundleObjectKey.name]: {
                type: "String",
                description: "S3 key of the bundle in the hub bucket (used by the download step only).",
                allowedPattern: p.bundleObjectKey.pattern,
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
                    destinationPath: `${options.workDirectory}/incoming/{{ ${p.bundleObjectKey.name} }}`,
                },
            },
            {
                action: "aws:runShellScript",
                name: APPLY_STEP_NAME,
                precondition: linuxOnly,
                inputs: { timeoutSeconds: String(options.executionTimeoutSeconds), runCommand: licenseServerScript(options.workDirectory) },
            },
            {
                action: "aws:downloadContent",
                name: "downloadUserListWindows",
                precondition: windowsOnly,
                inputs: {
                    sourceType: "S3",
                    sourceInfo: JSON.stringify({ path: objectUrl }),
                    destinationPath: `${windowsWorkDirectory}\\incoming\\{{ ${p.bundleObjectKey.name} }}`,
                },
            },
            {
                action: "aws:runPowerShellScript",
                name: APPLY_WINDOWS_STEP_NAME,
                precondition: windowsOnly,
                inputs: { timeoutSeconds: String(options.executionTimeoutSeconds), runCommand: licenseServerPowerShellScript(windowsWorkDirectory) },
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
