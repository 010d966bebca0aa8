/**
 * The Windows branch of the license server document: the same guarantees as the shell step, in Windows PowerShell
 * 5.1 (what aws:runPowerShellScript runs). The bundle's checksum arrives as an environment variable and is checked
 * again; the bundle is verified, every header field and vendor argument checked again; per product the list's
 * SHA-256 is verified, it is installed atomically under a per-product lock (an exclusively opened lock file,
 * released when the product is done), generations never go backwards (an older one, or the same one with another
 * list, is refused as superseded), and each product reports a result line; one product's failure does not stop the
 * next. User ids only ever exist in the files.
 *
 * Windows has no argv: a program receives one command line and splits it itself. The vendor CLI is started with
 * System.Diagnostics.Process (no shell, no PowerShell argument rewriting, which in 5.1 drops embedded quotes) and the
 * bundle's `windows-arguments` line: the argv quoted by the hub by the rules the Microsoft C runtime and
 * CommandLineToArgvW split by (functions/hub-shared/vendorCommand.ts), so a CLI built on them receives exactly the
 * template's argv. The script checks the executable's path and that the line has no control character and no
 * placeholder but `{product}` and `{usersFile}`, whose values are safe in any position (a product name has no space,
 * quote or backslash; the users file path has no space or quote and does not end in a backslash).
 */
import { LICENSE_DOCUMENT_PARAMETERS, SUPERSEDED_EXIT_CODE } from "../../functions/hub-shared/userList";
import { BUNDLE_HEADER, BUNDLE_LISTS_MARKER, BUNDLE_PREFIX } from "../../functions/hub-shared/bundle";
import { MAX_ARGUMENT_LENGTH, MAX_COMMAND_ARGUMENTS, WINDOWS_EXECUTABLE } from "../../functions/hub-shared/vendorCommand";

export { windowsCommandLineArgument } from "../../functions/hub-shared/vendorCommand";

/** Where the Windows document installs lists by default. */
export const DEFAULT_WINDOWS_WORK_DIRECTORY = "C:\\ProgramData\\license-hub";
/** A drive-absolute path of plain segments: no spaces or quotes (it becomes part of the vendor's command line), no `..`. */
export const WINDOWS_WORK_DIRECTORY_PATTERN = /^[A-Za-z]:(\\(?!\.\.?(\\|$))[A-Za-z0-9._-]+){1,20}$/;

/**
 * Text as a PowerShell single-quoted string: nothing inside is expanded. PowerShell also takes the typographic single
 * quotes (U+2018-U+201B) as delimiters, so each of those is doubled like `'`.
 */
export function powerShellLiteral(text: string): string {
    return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, "$&$&")}'`;
}

export function assertWindowsWorkDirectory(directory: string): void {
    if (!WINDOWS_WORK_DIRECTORY_PATTERN.test(directory)) {
        throw new Error(
            `Windows license server work directory ${JSON.stringify(directory)} must be a drive-absolute path (C:\\...) of letters, digits, '.', '_' and '-' without spaces, a trailing '\\' or '..'`,
        );
    }
}

/** The PowerShell step, one line per array element (as aws:runPowerShellScript takes it). */
export function licenseServerPowerShellScript(workDirectory: string): string[] {
    assertWindowsWorkDirectory(workDirectory);
    const env = `$env:SSM_${LICENSE_DOCUMENT_PARAMETERS.bundleSha256.name}`;
    // \z, not $: in .NET `$` also matches before a final newline.
    const literalPattern = (source: string) => powerShellLiteral(source.replace(/\$$/, "\\z"));
    const bundleDirectory = BUNDLE_PREFIX.replace(/\//g, "\\");
    return [
        "# LicenseServerHub: installs the user lists of one bundle and runs each product's vendor CLI on its list (Windows).",
        "# Everything comes from the bundle (verified by its checksum) and is checked again; no shell parses any of it.",
        "$ErrorActionPreference = 'Stop'",
        "Set-StrictMode -Version 2.0",
        "function Fail([string]$Message) { [Console]::Error.WriteLine(\"license-hub: $Message\"); exit 1 }",
        "function Get-Sha256([string]$Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }",
        "# Straight to the console: a function's Write-Output would become part of its return value.",
        "function Say([string]$Text) { [Console]::Out.WriteLine($Text) }",
        `if ([string]::IsNullOrEmpty(${env})) { Fail 'parameters missing from the environment: SSM Agent 3.3.2746.0 or later is required' }`,
        `$bundleSha256 = ${env}`,
        `if ($bundleSha256 -cnotmatch ${literalPattern(LICENSE_DOCUMENT_PARAMETERS.bundleSha256.pattern)}) { Fail 'invalid bundle checksum' }`,
        `$workDir = ${powerShellLiteral(workDirectory)}`,
        `$bundle = Join-Path $workDir ('incoming\\${bundleDirectory}' + $bundleSha256 + '.txt')`,
        "if (-not (Test-Path -LiteralPath $bundle -PathType Leaf)) { Fail \"bundle $bundle was not downloaded\" }",
        "if ((Get-Sha256 $bundle) -cne $bundleSha256) { Fail 'bundle does not match its checksum' }",
        "$lines = [System.IO.File]::ReadAllLines($bundle)",
        `if ($lines.Length -lt 1 -or $lines[0] -cne ${powerShellLiteral(BUNDLE_HEADER)}) { Fail 'not a bundle of version 1' }`,
        "# The headers: each product's fields and vendor arguments, checked; the lists follow the line 'users'.",
        "$products = New-Object System.Collections.ArrayList",
        "$entry = $null",
        "$index = 1",
        "for (; $index -lt $lines.Length; $index++) {",
        "    $line = $lines[$index]",
        "    if ($line -cmatch '[\\x00-\\x1f\\x7f]') { Fail \"bundle line $($index + 1) has a control character\" }",
        `    if ($line -ceq ${powerShellLiteral(BUNDLE_LISTS_MARKER)}) { break }`,
        "    if ($line -cmatch '^product ([A-Za-z0-9][A-Za-z0-9._-]{0,63}) ([0-9]{1,18}) ([0-9a-f]{64}) ([0-9]{1,9}) ([0-9]{1,2})\\z') {",
        "        if (@($products | Where-Object { $_.Name -ceq $Matches[1] }).Count -gt 0) { Fail \"bundle line $($index + 1): a product appears twice\" }",
        "        $entry = @{ Name = $Matches[1]; Generation = [long]$Matches[2]; Sha256 = $Matches[3]; Lines = [int]$Matches[4]; ArgumentCount = [int]$Matches[5]; Arguments = (New-Object System.Collections.ArrayList); WindowsArguments = $null }",
        `        if ($entry.ArgumentCount -gt ${MAX_COMMAND_ARGUMENTS}) { Fail "bundle line $($index + 1): too many vendor arguments" }`,
        "        [void]$products.Add($entry)",
        "    } elseif ($null -ne $entry -and $line.StartsWith('arg ')) { [void]$entry.Arguments.Add($line.Substring(4)) }",
        "    elseif ($null -ne $entry -and $line.StartsWith('windows-arguments ')) { $entry.WindowsArguments = $line.Substring(18) }",
        "    else { Fail \"bundle line $($index + 1) is not understood\" }",
        "}",
        "if ($index -ge $lines.Length -or $products.Count -eq 0) { Fail 'bundle has no products or no lists' }",
        "function Install-Product($Entry, [int]$First) {",
        "    $product = $Entry.Name",
        "    $generation = $Entry.Generation",
        "    $text = ''",
        "    if ($Entry.Lines -gt 0) { $text = [string]::Join(\"`n\", $lines[$First..($First + $Entry.Lines - 1)]) + \"`n\" }",
        "    $productDir = Join-Path $workDir ('products\\' + $product)",
        "    New-Item -ItemType Directory -Force -Path $productDir | Out-Null",
        "    $newUsersFile = Join-Path $productDir 'users.txt.new'",
        "    [System.IO.File]::WriteAllText($newUsersFile, $text, (New-Object System.Text.UTF8Encoding $false))",
        "    if ((Get-Sha256 $newUsersFile) -cne $Entry.Sha256) { throw \"user list of $product does not match its checksum\" }",
        "    if ($Entry.Arguments.Count -ne $Entry.ArgumentCount) { throw \"the vendor command of $product does not have $($Entry.ArgumentCount) arguments\" }",
        "    # The per-product lock: a file only one process can hold open; released when the product is done.",
        "    $lock = $null",
        "    $lockDeadline = (Get-Date).AddSeconds(60)",
        "    while ($null -eq $lock) {",
        "        try { $lock = [System.IO.File]::Open((Join-Path $productDir '.lock'), 'OpenOrCreate', 'ReadWrite', 'None') }",
        "        catch [System.IO.IOException] {",
        "            if ((Get-Date) -ge $lockDeadline) { throw \"another update of $product is still running\" }",
        "            Start-Sleep -Milliseconds 500",
        "        }",
        "    }",
        "    try {",
        "        $last = [long]0",
        "        $generationFile = Join-Path $productDir 'generation'",
        "        if (Test-Path -LiteralPath $generationFile -PathType Leaf) {",
        "            $held = ([System.IO.File]::ReadAllText($generationFile)).Trim()",
        "            if ($held -cmatch '^[0-9]{1,18}\\z') { $last = [long]$held }",
        "        }",
        "        $usersFile = Join-Path $productDir 'users.txt'",
        "        # Generations never repeat for different lists: an older one, or the same one with another list, lost a race.",
        "        if ($generation -eq $last -and (Test-Path -LiteralPath $usersFile -PathType Leaf) -and ((Get-Sha256 $usersFile) -ceq $Entry.Sha256)) {",
        "            Say \"license-hub: $product generation $generation already applied\"",
        "            Say \"result $product applied $generation\"",
        "            return 0",
        "        }",
        "        if ($generation -le $last) {",
        "            Say \"license-hub: $product holds generation $last; generation $generation refused (superseded)\"",
        "            Say \"result $product superseded $last\"",
        `            return ${SUPERSEDED_EXIT_CODE}`,
        "        }",
        "        # The vendor command, checked again: a Windows executable, arguments without control characters or unknown placeholders.",
        "        $vendorExe = $null",
        "        $vendorArguments = $null",
        "        if ($Entry.ArgumentCount -gt 0) {",
        "            if ($null -eq $Entry.WindowsArguments) { throw \"the vendor command of $product is not a Windows path; this license server runs Windows\" }",
        "            foreach ($argument in $Entry.Arguments) {",
        `                if ($argument.Length -eq 0 -or $argument.Length -gt ${MAX_ARGUMENT_LENGTH}) { throw "the vendor command of $product has an empty or oversized argument" }`,
        "            }",
        "            $vendorExe = $Entry.Arguments[0]",
        `            if ($vendorExe -cnotmatch ${literalPattern(WINDOWS_EXECUTABLE.source)}) { throw "the vendor command of $product is not a Windows path" }`,
        "            $template = $Entry.WindowsArguments",
        "            if ($template.Replace('{product}', '').Replace('{usersFile}', '') -match '[{}]') { throw \"the vendor command of $product has an unknown placeholder or an unbalanced brace\" }",
        "            $vendorArguments = $template.Replace('{product}', $product).Replace('{usersFile}', $usersFile)",
        "        }",
        "        if (Test-Path -LiteralPath $usersFile -PathType Leaf) { [System.IO.File]::Replace($newUsersFile, $usersFile, $null) } else { [System.IO.File]::Move($newUsersFile, $usersFile) }",
        "        if ($null -ne $vendorExe) {",
        "            # No shell and no PowerShell argument rewriting: the command line is the one the hub quoted.",
        "            $start = New-Object System.Diagnostics.ProcessStartInfo",
        "            $start.FileName = $vendorExe",
        "            $start.Arguments = $vendorArguments",
        "            $start.UseShellExecute = $false",
        "            $vendor = [System.Diagnostics.Process]::Start($start)",
        "            $vendor.WaitForExit()",
        "            if ($vendor.ExitCode -ne 0) { throw \"vendor command for $product exited with status $($vendor.ExitCode)\" }",
        "        }",
        "        $newGenerationFile = $generationFile + '.new'",
        "        [System.IO.File]::WriteAllText($newGenerationFile, [string]$generation + [Environment]::NewLine)",
        "        if (Test-Path -LiteralPath $generationFile -PathType Leaf) { [System.IO.File]::Replace($newGenerationFile, $generationFile, $null) } else { [System.IO.File]::Move($newGenerationFile, $generationFile) }",
        "        $userCount = @([System.IO.File]::ReadAllLines($usersFile) | Where-Object { $_ -ne '' }).Count",
        "        Say \"license-hub: $product generation $generation applied ($userCount users)\"",
        "        Say \"result $product applied $generation\"",
        "        return 0",
        "    } finally {",
        "        $lock.Dispose()",
        "    }",
        "}",
        "# One product's failure does not stop the next: each ends with its own result line.",
        "$status = 0",
        "$first = $index + 1",
        "foreach ($product in $products) {",
        "    try { $code = Install-Product $product $first }",
        "    catch {",
        "        [Console]::Error.WriteLine(\"license-hub: $($_.Exception.Message)\")",
        "        Say \"result $($product.Name) failed $($product.Generation)\"",
        "        $code = 1",
        "    }",
        "    if ($code -eq 1) { $status = 1 }",
        `    elseif ($code -eq ${SUPERSEDED_EXIT_CODE} -and $status -eq 0) { $status = ${SUPERSEDED_EXIT_CODE} }`,
        "    $first += $product.Lines",
        "}",
        "$incomingDir = Join-Path $workDir 'incoming'",
        "Get-ChildItem -LiteralPath $incomingDir -File -Recurse -ErrorAction SilentlyContinue | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-1) } | Remove-Item -Force -ErrorAction SilentlyContinue",
        "exit $status",
    ];
}
