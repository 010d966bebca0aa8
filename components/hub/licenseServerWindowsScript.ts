/**
 * The Windows branch of the license server document: the same guarantees as the shell step, in Windows PowerShell
 * 5.1 (what aws:runPowerShellScript runs). Parameters arrive as environment variables and are checked again; the
 * list's SHA-256 is verified; it is installed atomically under a per-product lock (an exclusively opened lock file,
 * released when the process ends); generations never go backwards (an older one, or the same one with another list,
 * is refused with the superseded exit code); the vendor CLI runs from its argv template. User ids only ever exist in
 * the file.
 *
 * Windows has no argv: a program receives one command line and splits it itself. The vendor CLI is started with
 * System.Diagnostics.Process (no shell, no PowerShell argument rewriting, which in 5.1 drops embedded quotes) and a
 * command line quoted here by the rules the Microsoft C runtime and CommandLineToArgvW split by, so a CLI built on
 * them receives exactly the template's argv. The placeholder values are safe in any position: a product name has
 * no space, quote or backslash, and the users file path has no space or quote and does not end in a backslash.
 */
import { COMMAND_PLACEHOLDERS, WINDOWS_EXECUTABLE } from "./catalog";
import { LICENSE_DOCUMENT_PARAMETERS, SUPERSEDED_EXIT_CODE, USER_LIST_PREFIX } from "../../functions/hub-shared/userList";

/** Where the Windows document installs lists by default. */
export const DEFAULT_WINDOWS_WORK_DIRECTORY = "C:\\ProgramData\\license-hub";
/** A drive-absolute path of plain segments: no spaces or quotes (it becomes part of the vendor's command line), no `..`. */
export const WINDOWS_WORK_DIRECTORY_PATTERN = /^[A-Za-z]:(\\(?!\.\.?(\\|$))[A-Za-z0-9._-]+){1,20}$/;

const PLACEHOLDER_VARIABLES: Record<string, string> = { "{product}": "$product", "{usersFile}": "$usersFile" };
const PLACEHOLDER_SPLIT = new RegExp(`(${COMMAND_PLACEHOLDERS.map((p) => p.replace(/[{}]/g, "\\$&")).join("|")})`);

/**
 * Text as a PowerShell single-quoted string: nothing inside is expanded. PowerShell also takes the typographic single
 * quotes (U+2018-U+201B) as delimiters, so each of those is doubled like `'`.
 */
export function powerShellLiteral(text: string): string {
    return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, "$&$&")}'`;
}

/**
 * One argv element for the MSVC runtime's command-line splitting, still holding its placeholders: bare when it
 * has no space, tab or quote (and is not empty), else in double quotes with each `"` escaped and the backslashes
 * before a quote (and before the closing quote) doubled.
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

/** A PowerShell expression building `text` with its placeholders replaced by the script's variables. */
function powerShellTemplate(text: string): string {
    const parts = text
        .split(PLACEHOLDER_SPLIT)
        .filter((part) => part !== "")
        .map((part) => PLACEHOLDER_VARIABLES[part] ?? powerShellLiteral(part));
    if (parts.length === 0) return "''";
    return parts.length === 1 ? parts[0] : `[string]::Concat(${parts.join(", ")})`;
}

/** The vendor command's PowerShell pieces: the executable (a literal) and the command line's arguments part. */
export function windowsVendorCommand(argv: readonly string[]): { executable: string; arguments: string } {
    const [executable, ...args] = argv;
    return { executable: powerShellLiteral(executable), arguments: powerShellTemplate(args.map(windowsCommandLineArgument).join(" ")) };
}

export function assertWindowsWorkDirectory(directory: string): void {
    if (!WINDOWS_WORK_DIRECTORY_PATTERN.test(directory)) {
        throw new Error(
            `Windows license server work directory ${JSON.stringify(directory)} must be a drive-absolute path (C:\\...) of letters, digits, '.', '_' and '-' without spaces, a trailing '\\' or '..'`,
        );
    }
}

/** The PowerShell step, one line per array element (as aws:runPowerShellScript takes it). */
export function licenseServerPowerShellScript(workDirectory: string, commands: Record<string, readonly string[] | undefined>): string[] {
    assertWindowsWorkDirectory(workDirectory);
    const p = LICENSE_DOCUMENT_PARAMETERS;
    const env = (name: string) => `$env:SSM_${name}`;
    // \z, not $: in .NET `$` also matches before a final newline.
    const pattern = (source: string) => powerShellLiteral(source.replace(/\$$/, "\\z"));
    const cases = Object.entries(commands)
        .filter((entry): entry is [string, readonly string[]] => entry[1] !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([product, argv]) =>
            WINDOWS_EXECUTABLE.test(argv[0])
                ? (() => {
                      const command = windowsVendorCommand(argv);
                      return `    ${powerShellLiteral(product)} { $vendorExe = ${command.executable}; $vendorArguments = ${command.arguments} }`;
                  })()
                : `    ${powerShellLiteral(product)} { Fail "the vendor command of $product is not a Windows path; this license server runs Windows" }`,
        );
    const incomingPrefix = USER_LIST_PREFIX.replace(/\//g, "\\");
    return [
        "# LicenseServerHub: installs one product's user list and runs the vendor CLI on it (Windows).",
        "# Parameters come from the environment and are checked again; user ids only ever come from the file.",
        "$ErrorActionPreference = 'Stop'",
        "Set-StrictMode -Version 2.0",
        "function Fail([string]$Message) { [Console]::Error.WriteLine(\"license-hub: $Message\"); exit 1 }",
        "function Get-Sha256([string]$Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }",
        `if ([string]::IsNullOrEmpty(${env(p.product.name)}) -or [string]::IsNullOrEmpty(${env(p.listSha256.name)}) -or [string]::IsNullOrEmpty(${env(p.generation.name)})) {`,
        "    Fail 'parameters missing from the environment: SSM Agent 3.3.2746.0 or later is required'",
        "}",
        `$product = ${env(p.product.name)}`,
        `$listSha256 = ${env(p.listSha256.name)}`,
        `$generation = ${env(p.generation.name)}`,
        `if ($product -cnotmatch ${pattern(p.product.pattern)}) { Fail 'invalid product name' }`,
        `if ($listSha256 -cnotmatch ${pattern(p.listSha256.pattern)}) { Fail 'invalid list checksum' }`,
        `if ($generation -cnotmatch ${pattern(p.generation.pattern)}) { Fail 'invalid generation' }`,
        "$generationNumber = [long]$generation",
        `$workDir = ${powerShellLiteral(workDirectory)}`,
        `$incoming = Join-Path $workDir ('incoming\\${incomingPrefix}' + $product + '\\' + $listSha256 + '.txt')`,
        "if (-not (Test-Path -LiteralPath $incoming -PathType Leaf)) { Fail \"user list $incoming was not downloaded\" }",
        "if ((Get-Sha256 $incoming) -cne $listSha256) { Fail \"user list of $product does not match its checksum\" }",
        "$productDir = Join-Path $workDir ('products\\' + $product)",
        "New-Item -ItemType Directory -Force -Path $productDir | Out-Null",
        "# The per-product lock: a file only one process can hold open; Windows releases it when the process ends.",
        "$lock = $null",
        "$lockDeadline = (Get-Date).AddSeconds(60)",
        "while ($null -eq $lock) {",
        "    try { $lock = [System.IO.File]::Open((Join-Path $productDir '.lock'), 'OpenOrCreate', 'ReadWrite', 'None') }",
        "    catch [System.IO.IOException] {",
        "        if ((Get-Date) -ge $lockDeadline) { Fail \"another update of $product is still running\" }",
        "        Start-Sleep -Milliseconds 500",
        "    }",
        "}",
        "$last = [long]0",
        "$generationFile = Join-Path $productDir 'generation'",
        "if (Test-Path -LiteralPath $generationFile -PathType Leaf) {",
        "    $held = ([System.IO.File]::ReadAllText($generationFile)).Trim()",
        `    if ($held -cmatch ${pattern(p.generation.pattern)}) { $last = [long]$held }`,
        "}",
        "$usersFile = Join-Path $productDir 'users.txt'",
        "# Generations never repeat for different lists: an older one, or the same one with another list, lost a race.",
        "if ($generationNumber -eq $last -and (Test-Path -LiteralPath $usersFile -PathType Leaf) -and ((Get-Sha256 $usersFile) -ceq $listSha256)) {",
        "    Write-Output \"license-hub: $product generation $generation already applied\"",
        "    exit 0",
        "}",
        "if ($generationNumber -le $last) {",
        "    Write-Output \"license-hub: $product holds generation $last; generation $generation refused (superseded)\"",
        `    exit ${SUPERSEDED_EXIT_CODE}`,
        "}",
        "$newUsersFile = $usersFile + '.new'",
        "[System.IO.File]::Copy($incoming, $newUsersFile, $true)",
        "if (Test-Path -LiteralPath $usersFile -PathType Leaf) { [System.IO.File]::Replace($newUsersFile, $usersFile, $null) } else { [System.IO.File]::Move($newUsersFile, $usersFile) }",
        "$vendorExe = $null",
        "$vendorArguments = $null",
        "switch -Exact -CaseSensitive ($product) {",
        ...cases,
        "}",
        "if ($null -ne $vendorExe) {",
        "    # No shell and no PowerShell argument rewriting: the command line is the one quoted when the document was rendered.",
        "    $start = New-Object System.Diagnostics.ProcessStartInfo",
        "    $start.FileName = $vendorExe",
        "    $start.Arguments = $vendorArguments",
        "    $start.UseShellExecute = $false",
        "    $vendor = [System.Diagnostics.Process]::Start($start)",
        "    $vendor.WaitForExit()",
        "    if ($vendor.ExitCode -ne 0) { Fail \"vendor command for $product exited with status $($vendor.ExitCode)\" }",
        "}",
        "$newGenerationFile = $generationFile + '.new'",
        "[System.IO.File]::WriteAllText($newGenerationFile, $generation + [Environment]::NewLine)",
        "if (Test-Path -LiteralPath $generationFile -PathType Leaf) { [System.IO.File]::Replace($newGenerationFile, $generationFile, $null) } else { [System.IO.File]::Move($newGenerationFile, $generationFile) }",
        "$lock.Dispose()",
        "$incomingDir = Split-Path -Parent $incoming",
        "Get-ChildItem -LiteralPath $incomingDir -File -ErrorAction SilentlyContinue | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-1) } | Remove-Item -Force -ErrorAction SilentlyContinue",
        "$userCount = @([System.IO.File]::ReadAllLines($usersFile) | Where-Object { $_ -ne '' }).Count",
        "Write-Output \"license-hub: $product generation $generation applied ($userCount users)\"",
    ];
}
