/**
 * The Windows (PowerShell) branch of the license server document. No PowerShell runs on this machine (none is
 * obtainable from the package registries it reaches), so the script is checked by a real PowerShell grammar
 * (tree-sitter-powershell, through web-tree-sitter): it parses without error, it runs no command but the expected
 * ones, and its steps come in the order of the shell step's. The command line it starts the vendor CLI with is the
 * bundle's `windows-arguments` line with the placeholders replaced: that line splits, by the rules of the Microsoft
 * C runtime, back into exactly the template's argv.
 */
import { expect } from "chai";
import fc from "fast-check";
import { renderLicenseServerDocument, licenseServerScript } from "../../components/hub/licenseServerDocument";
import { DEFAULT_WINDOWS_WORK_DIRECTORY, assertWindowsWorkDirectory, licenseServerPowerShellScript, powerShellLiteral, windowsCommandLineArgument } from "../../components/hub/licenseServerWindowsScript";
import { catalogProblems } from "../../components/hub/catalog";
import { renderBundle } from "../../functions/hub-shared/bundle";
import { APPLY_WINDOWS_STEP_NAME, SUPERSEDED_EXIT_CODE, renderUserList } from "../../functions/hub-shared/userList";
import { propertyRuns } from "../support/propertyRuns";
import { awsSyncPorts } from "../../functions/hub-sync/awsPorts";
import { PowerShellTree, parsePowerShell } from "./support/powerShellGrammar";
import { HOSTILE_USER_IDS } from "./support/fixtures";

const WORK = DEFAULT_WINDOWS_WORK_DIRECTORY;
const LMUTIL = "C:\\Program Files\\FlexNet (x64)\\lmutil.exe";

/** How the Microsoft C runtime (and CommandLineToArgvW) splits a command line into argv (after the program name). */
export function splitWindowsCommandLine(line: string): string[] {
    const args: string[] = [];
    let i = 0;
    for (;;) {
        while (line[i] === " " || line[i] === "\t") i++;
        if (i >= line.length) return args;
        let arg = "";
        let quoted = false;
        while (i < line.length && (quoted || (line[i] !== " " && line[i] !== "\t"))) {
            if (line[i] === "\\") {
                let n = 0;
                while (line[i] === "\\") (n++, i++);
                if (line[i] === '"') {
                    arg += "\\".repeat(Math.floor(n / 2));
                    if (n % 2 === 1) (arg += '"'), i++;
                } else arg += "\\".repeat(n);
            } else if (line[i] === '"') {
                if (quoted && line[i + 1] === '"') (arg += '"'), (i += 2);
                else (quoted = !quoted), i++;
            } else arg += line[i++];
        }
        args.push(arg);
    }
}

describe("license server document: Windows (PowerShell) branch", () => {
    let grammar: (source: string) => PowerShellTree;
    before(async () => {
        grammar = await parsePowerShell();
    });

    it("runs each platform's steps only there, the PowerShell step under its own name", () => {
        const doc = JSON.parse(renderLicenseServerDocument({ bucketName: "b", region: "eu-central-1", dnsSuffix: "amazonaws.com", workDirectory: "/var/lib/license-hub", executionTimeoutSeconds: 120 }));
        expect(doc.mainSteps.map((s: any) => [s.action, s.name, s.precondition.StringEquals[1]])).to.deep.equal([
            ["aws:downloadContent", "downloadUserList", "Linux"],
            ["aws:runShellScript", "applyUserList", "Linux"],
            ["aws:downloadContent", "downloadUserListWindows", "Windows"],
            ["aws:runPowerShellScript", APPLY_WINDOWS_STEP_NAME, "Windows"],
        ]);
        expect(doc.mainSteps[2].inputs.destinationPath).to.equal("C:\\ProgramData\\license-hub\\incoming\\{{ bundleObjectKey }}");
        expect(doc.mainSteps[2].inputs.sourceInfo).to.equal(doc.mainSteps[0].inputs.sourceInfo);
        expect(doc.mainSteps[3].inputs.timeoutSeconds).to.equal("120");
        const custom = JSON.parse(
            renderLicenseServerDocument({ bucketName: "b", region: "eu-central-1", dnsSuffix: "amazonaws.com", workDirectory: "/srv/hub", windowsWorkDirectory: "D:\\hub", executionTimeoutSeconds: 60 }),
        );
        expect(custom.mainSteps[2].inputs.destinationPath).to.equal("D:\\hub\\incoming\\{{ bundleObjectKey }}");
        expect(custom.mainSteps[3].inputs.runCommand).to.include("$workDir = 'D:\\hub'");
    });

    it("parses as PowerShell without an error", () => {
        for (const work of [WORK, "D:\\license-hub\\lists"]) {
            const script = licenseServerPowerShellScript(work).join("\n");
            expect(grammar(script).errors(), script).to.deep.equal([]);
        }
    });

    it("reads only the bundle's checksum from the environment, checks every field with anchored case-sensitive patterns, and never evaluates text", () => {
        const text = licenseServerPowerShellScript(WORK).join("\n");
        expect(text).to.contain("$bundleSha256 = $env:SSM_bundleSha256");
        expect(text).to.contain("if ($bundleSha256 -cnotmatch '^[0-9a-f]{64}\\z') { Fail 'invalid bundle checksum' }");
        expect(text).to.contain("if ((Get-Sha256 $bundle) -cne $bundleSha256) { Fail 'bundle does not match its checksum' }");
        expect(text).to.contain("-cmatch '^product ([A-Za-z0-9][A-Za-z0-9._-]{0,63}) ([0-9]{1,18}) ([0-9a-f]{64}) ([0-9]{1,9}) ([0-9]{1,2})\\z'");
        expect(text).to.contain("if ($line -cmatch '[\\x00-\\x1f\\x7f]') { Fail");
        expect(text).to.match(/if \(\$vendorExe -cnotmatch '\^\[A-Za-z\]:\\\\\[\^<>:"\/\|\?\*\\u0000-\\u001f\{\}\]\+\\z'\) \{ throw/);
        // The command line is the hub's, placeholders replaced as plain text; nothing else is substituted.
        expect(text).to.contain("$vendorArguments = $template.Replace('{product}', $product).Replace('{usersFile}', $usersFile)");
        // Nothing that runs text as code, and no call operator or cmdlet that starts a program with a parsed command line.
        const commands = grammar(text).commandNames();
        for (const forbidden of ["Invoke-Expression", "iex", "Start-Process", "cmd", "cmd.exe", "powershell", "Invoke-Command", "&"]) {
            expect(commands, forbidden).to.not.include(forbidden);
        }
        const allowed = ["Fail", "Say", "Install-Product", "Get-FileHash", "Get-Sha256", "Join-Path", "Test-Path", "New-Item", "Out-Null", "Get-Date", "Start-Sleep", "New-Object", "Get-ChildItem", "Where-Object", "Remove-Item", "Set-StrictMode"];
        expect(commands.filter((c) => !allowed.includes(c))).to.deep.equal([]);
        expect(commands).to.include.members(["Get-FileHash", "Install-Product", "Say"]);
        // A function's output would be its return value: the product's lines go straight to the console.
        expect(text.slice(text.indexOf("function Install-Product"), text.indexOf("# One product's failure"))).to.not.contain("Write-Output");
    });

    it("mirrors the shell step: per product checksum, lock, generation, install, vendor command, then the generation recorded", () => {
        const ps = licenseServerPowerShellScript(WORK).join("\n");
        const sh = licenseServerScript("/var/lib/license-hub").join("\n");
        expect(sh).to.contain(`exit ${SUPERSEDED_EXIT_CODE}`);
        expect(ps).to.contain(
            "if ($generation -eq $last -and (Test-Path -LiteralPath $usersFile -PathType Leaf) -and ((Get-Sha256 $usersFile) -ceq $Entry.Sha256)) {\n" +
                '            Say "license-hub: $product generation $generation already applied"\n            Say "result $product applied $generation"\n            return 0\n        }',
        );
        expect(ps).to.contain('            Say "result $product superseded $last"\n' + `            return ${SUPERSEDED_EXIT_CODE}`);
        const order = ["(Get-Sha256 $newUsersFile) -cne $Entry.Sha256", "[System.IO.File]::Open(", "$generation -le $last", "[System.IO.File]::Replace($newUsersFile", "$vendor.WaitForExit()", "WriteAllText($newGenerationFile"];
        const positions = order.map((marker) => ps.indexOf(marker));
        expect(positions.every((p) => p >= 0), JSON.stringify(positions)).to.equal(true);
        expect([...positions].sort((a, b) => a - b)).to.deep.equal(positions);
        expect(ps).to.contain('Say "result $($product.Name) failed $($product.Generation)"');
        expect(ps).to.contain("exit $status");
        // Each product's result lines, as the sync reads them, on both platforms.
        for (const line of ["result $product applied $generation", "result $product superseded $last"]) {
            expect(sh).to.contain(line);
            expect(ps).to.contain(line);
        }
    });

    it("passes the template's exact argv to a Windows vendor CLI: the bundle's command line splits back into it", () => {
        const product = "matlab";
        const usersFile = `${WORK}\\products\\${product}\\users.txt`;
        const template = [LMUTIL, "--product={product}", "-users", "{usersFile}", "", "a b", 'say "hi"', "trail\\", 'back\\"slash', "\\\\server\\share\\", "it's ‘curly’", "$HOME `id` %PATH% ^&|<>", "{product}{usersFile}"];
        const bundle = renderBundle([{ product, generation: 1, list: renderUserList(["alice"]), command: [...template.slice(0, 4), ...template.slice(5)] }]);
        const line = bundle.body.split("\n").find((l) => l.startsWith("windows-arguments "))!.slice("windows-arguments ".length);
        const expanded = line.replace(/\{product\}/g, product).replace(/\{usersFile\}/g, usersFile);
        const expected = [...template.slice(1, 4), ...template.slice(5)].map((a) => a.replace(/\{product\}/g, product).replace(/\{usersFile\}/g, usersFile));
        expect(splitWindowsCommandLine(expanded)).to.deep.equal(expected);
        // A Linux command carries no Windows line: the PowerShell script refuses it.
        expect(renderBundle([{ product, generation: 1, list: renderUserList([]), command: ["/opt/lm", "{usersFile}"] }]).body).to.not.contain("windows-arguments");
        expect(licenseServerPowerShellScript(WORK).join("\n")).to.contain('throw "the vendor command of $product is not a Windows path; this license server runs Windows"');
    });

    it("quotes any argv for the MSVC runtime so that it splits back unchanged (property)", () => {
        const arg = fc.string({ unit: fc.constantFrom("a", " ", "\t", '"', "\\", "'", "x", "é", "{", "}"), maxLength: 12 });
        fc.assert(
            fc.property(fc.array(arg, { maxLength: 6 }), (argv) => {
                expect(splitWindowsCommandLine(argv.map(windowsCommandLineArgument).join(" "))).to.deep.equal(argv);
            }),
            propertyRuns(500),
        );
    });

    it("writes any text as a PowerShell literal that the grammar reads back unchanged (property)", () => {
        const text = fc.string({ unit: fc.constantFrom("a", "'", "‘", "’", "‚", "‛", '"', "$", "`", "(", ")", " ", "\\", "{", "}", "@", "é"), maxLength: 16 });
        fc.assert(
            fc.property(text, (value) => {
                const tree = grammar(`$x = ${powerShellLiteral(value)}`);
                expect(tree.errors()).to.deep.equal([]);
                expect(tree.assignments({}).$x).to.equal(value);
            }),
            propertyRuns(300),
        );
    });

    it("accepts Windows vendor CLI paths in the catalog and refuses work directories that would need quoting", () => {
        const catalog = (command: string[]) => ({ workbenchTypes: { cad: ["matlab"] }, products: { matlab: { licenseServerInstanceId: "i-0123456789abcdef0", command } } });
        expect(catalogProblems(catalog([LMUTIL, "{usersFile}"]), "catalog")).to.deep.equal([]);
        expect(catalogProblems(catalog(["lmutil.exe", "{usersFile}"]), "catalog")).to.deep.equal([
            "catalog.products.matlab.command[0]: must be the absolute path of the vendor CLI (Linux: /opt/..., no spaces; Windows: C:\\...; no placeholders)",
        ]);
        expect(catalogProblems(catalog(["C:\\{product}\\x.exe", "{usersFile}"]), "catalog")[0]).to.match(/command\[0\]: must be the absolute path/);
        expect(catalogProblems(catalog([LMUTIL, ...HOSTILE_USER_IDS.filter((id) => id !== "" && id.length <= 1024 && !/[\u0000-\u001f{}]/.test(id)), "{usersFile}"]), "catalog")).to.deep.equal([]);
        for (const bad of ["C:\\Program Files\\hub", "C:\\hub\\", "C:\\hub\\..\\x", "relative\\hub", "C:\\hub'x", "\\\\server\\share"]) {
            expect(() => assertWindowsWorkDirectory(bad), bad).to.throw(/drive-absolute path/);
        }
        assertWindowsWorkDirectory("D:\\license-hub\\lists");
    });
});

describe("sync on a Windows license server: the failed step's result", () => {
    /** Run Command as it answers for a Windows instance: the shell step skipped (reported as success), the PowerShell step ended 3. */
    function windowsRunCommand(asked: string[]) {
        return {
            async send(command: { constructor: { name: string }; input: { PluginName?: string } }) {
                asked.push(command.input.PluginName ?? "(whole invocation)");
                if (command.input.PluginName === undefined) return { Status: "Failed", StatusDetails: "Failed", ResponseCode: 1 };
                if (command.input.PluginName === "applyUserList") return { Status: "Success", ResponseCode: 0, StandardOutputContent: "Step execution skipped due to unsatisfied preconditions" };
                return { Status: "Failed", ResponseCode: SUPERSEDED_EXIT_CODE, StandardOutputContent: "license-hub: matlab holds generation 12; generation 9 refused (superseded)\nresult matlab superseded 12" };
            },
        };
    }

    it("reads the PowerShell step's exit code and output, so a superseded generation is recognised on Windows too", async () => {
        const asked: string[] = [];
        const config = { tableName: "t", products: {}, userListBucket: "b", documentName: "d", configurationFingerprint: "f", deliveryTimeoutSeconds: 60, pollIntervalMs: 1, fullCheckEveryTicks: 10, minCommandIntervalMs: 1000 };
        const ports = awsSyncPorts({ db: {} as never, s3: {} as never, ssm: windowsRunCommand(asked) as never }, config);
        const outcome = await ports.commandOutcome("c-1", "i-0123456789abcdef0");
        expect(outcome).to.deep.include({ status: "Failed", responseCode: SUPERSEDED_EXIT_CODE });
        expect(outcome?.output).to.contain("result matlab superseded 12");
        expect(asked).to.deep.equal(["(whole invocation)", "applyUserList", APPLY_WINDOWS_STEP_NAME]);
    });
});
