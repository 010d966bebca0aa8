/**
 * The Windows (PowerShell) branch of the license server document. No PowerShell runs on this machine (none is
 * obtainable from the package registries it reaches), so the script is checked by a real PowerShell grammar
 * (tree-sitter-powershell, through web-tree-sitter): it parses without error, its command line expressions evaluate
 * (by that grammar's parse tree) to exactly the quoted command line, and that command line splits, by the rules of
 * the Microsoft C runtime, back into exactly the template's argv.
 */
import { expect } from "chai";
import fc from "fast-check";
import { renderLicenseServerDocument, licenseServerScript } from "../../components/hub/licenseServerDocument";
import {
    DEFAULT_WINDOWS_WORK_DIRECTORY,
    assertWindowsWorkDirectory,
    licenseServerPowerShellScript,
    powerShellLiteral,
    windowsCommandLineArgument,
    windowsVendorCommand,
} from "../../components/hub/licenseServerWindowsScript";
import { catalogProblems } from "../../components/hub/catalog";
import { APPLY_WINDOWS_STEP_NAME, SUPERSEDED_EXIT_CODE } from "../../functions/hub-shared/userList";
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

/** The assignment `$<name> = <expression>` in the script's case for `product`, as text. */
function caseLine(lines: string[], product: string): string {
    const line = lines.find((l) => l.trimStart().startsWith(`${powerShellLiteral(product)} {`));
    if (!line) throw new Error(`no case for ${product}`);
    return line;
}

describe("license server document: Windows (PowerShell) branch", () => {
    let grammar: (source: string) => PowerShellTree;
    before(async () => {
        grammar = await parsePowerShell();
    });

    it("runs each platform's steps only there, the PowerShell step under its own name", () => {
        const doc = JSON.parse(
            renderLicenseServerDocument({ bucketName: "b", region: "eu-central-1", dnsSuffix: "amazonaws.com", workDirectory: "/var/lib/license-hub", commands: {}, executionTimeoutSeconds: 120 }),
        );
        expect(doc.mainSteps.map((s: any) => [s.action, s.name, s.precondition.StringEquals[1]])).to.deep.equal([
            ["aws:downloadContent", "downloadUserList", "Linux"],
            ["aws:runShellScript", "applyUserList", "Linux"],
            ["aws:downloadContent", "downloadUserListWindows", "Windows"],
            ["aws:runPowerShellScript", APPLY_WINDOWS_STEP_NAME, "Windows"],
        ]);
        expect(doc.mainSteps[2].inputs.destinationPath).to.equal("C:\\ProgramData\\license-hub\\incoming\\{{ listObjectKey }}");
        expect(doc.mainSteps[2].inputs.sourceInfo).to.equal(doc.mainSteps[0].inputs.sourceInfo);
        expect(doc.mainSteps[3].inputs.timeoutSeconds).to.equal("120");
        const custom = JSON.parse(
            renderLicenseServerDocument({ bucketName: "b", region: "eu-central-1", dnsSuffix: "amazonaws.com", workDirectory: "/srv/hub", windowsWorkDirectory: "D:\\hub", commands: {}, executionTimeoutSeconds: 60 }),
        );
        expect(custom.mainSteps[2].inputs.destinationPath).to.equal("D:\\hub\\incoming\\{{ listObjectKey }}");
        expect(custom.mainSteps[3].inputs.runCommand).to.include("$workDir = 'D:\\hub'");
    });

    it("parses as PowerShell without an error, for every kind of template", () => {
        const script = licenseServerPowerShellScript(WORK, {
            matlab: [LMUTIL, "--product={product}", "-users", "{usersFile}", ...HOSTILE_USER_IDS.filter((id) => !/[\u0000-\u001f]/.test(id))],
            ansys: undefined,
            linuxOnly: ["/opt/vendor/bin/cli", "{usersFile}"],
            "it.s-odd_name": [LMUTIL, "it's ‘curly’ $HOME `id` \"q\" {product}!", "{usersFile}"],
        });
        const tree = grammar(script.join("\n"));
        expect(tree.errors(), script.join("\n")).to.deep.equal([]);
    });

    it("reads parameters only from the environment, checks them with anchored case-sensitive patterns, and never evaluates text", () => {
        const script = licenseServerPowerShellScript(WORK, { matlab: [LMUTIL, "{usersFile}"] });
        const text = script.join("\n");
        expect(text).to.contain("$product = $env:SSM_product");
        expect(text).to.contain("if ($product -cnotmatch '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z') { Fail 'invalid product name' }");
        expect(text).to.contain("if ($listSha256 -cnotmatch '^[0-9a-f]{64}\\z') { Fail 'invalid list checksum' }");
        expect(text).to.contain("if ($generation -cnotmatch '^[0-9]{1,18}\\z') { Fail 'invalid generation' }");
        // Nothing that runs text as code, and no call operator or cmdlet that starts a program with a parsed command line.
        const commands = grammar(text).commandNames();
        for (const forbidden of ["Invoke-Expression", "iex", "Start-Process", "cmd", "cmd.exe", "powershell", "Invoke-Command", "&"]) {
            expect(commands, forbidden).to.not.include(forbidden);
        }
        const allowed = ["Fail", "Get-FileHash", "Get-Sha256", "Join-Path", "Test-Path", "New-Item", "Out-Null", "Get-Date", "Start-Sleep", "Write-Output", "New-Object", "Split-Path", "Get-ChildItem", "Where-Object", "Remove-Item", "Set-StrictMode"];
        expect(commands.filter((c) => !allowed.includes(c))).to.deep.equal([]);
        expect(commands).to.include.members(["Get-FileHash", "Write-Output"]);
    });

    it("mirrors the Linux script's generations: the same list again is success, older or conflicting is the superseded exit code", () => {
        const ps = licenseServerPowerShellScript(WORK, {}).join("\n");
        const sh = licenseServerScript("/var/lib/license-hub", {}).join("\n");
        expect(sh).to.contain(`exit ${SUPERSEDED_EXIT_CODE}`);
        expect(ps).to.contain(
            "if ($generationNumber -eq $last -and (Test-Path -LiteralPath $usersFile -PathType Leaf) -and ((Get-Sha256 $usersFile) -ceq $listSha256)) {\n" +
                '    Write-Output "license-hub: $product generation $generation already applied"\n    exit 0\n}',
        );
        expect(ps).to.contain('if ($generationNumber -le $last) {\n    Write-Output "license-hub: $product holds generation $last; generation $generation refused (superseded)"\n' + `    exit ${SUPERSEDED_EXIT_CODE}\n}`);
        // The same order as the shell step: checksum, lock, generation, install, vendor command, then record the generation.
        const order = ["Get-Sha256 $incoming", "[System.IO.File]::Open(", "$generationNumber -le $last", "[System.IO.File]::Copy($incoming", "$vendor.WaitForExit()", "WriteAllText($newGenerationFile"];
        const positions = order.map((marker) => ps.indexOf(marker));
        expect(positions.every((p) => p >= 0), JSON.stringify(positions)).to.equal(true);
        expect([...positions].sort((a, b) => a - b)).to.deep.equal(positions);
        expect(ps).to.contain("Fail \"vendor command for $product exited with status $($vendor.ExitCode)\"");
    });

    it("passes the template's exact argv to the vendor CLI: the grammar's value of the command line splits back into it", () => {
        const product = "matlab";
        const usersFile = `${WORK}\\products\\${product}\\users.txt`;
        const template = [LMUTIL, "--product={product}", "-users", "{usersFile}", "", "a b", 'say "hi"', "trail\\", 'back\\"slash', "\\\\server\\share\\", "it's ‘curly’", "$HOME `id` %PATH% ^&|<>", "{product}{usersFile}"];
        const lines = licenseServerPowerShellScript(WORK, { [product]: template });
        const tree = grammar(caseLine(lines, product).trim().replace(/^'[^']*' \{ /, "").replace(/ \}$/, ""));
        expect(tree.errors()).to.deep.equal([]);
        const values = tree.assignments({ $product: product, $usersFile: usersFile });
        expect(values.$vendorExe).to.equal(LMUTIL);
        const expected = template.slice(1).map((a) => a.replace(/\{product\}/g, product).replace(/\{usersFile\}/g, usersFile));
        expect(splitWindowsCommandLine(values.$vendorArguments)).to.deep.equal(expected);
    });

    it("quotes any argv for the MSVC runtime so that it splits back unchanged (property)", () => {
        const arg = fc.string({ unit: fc.constantFrom("a", " ", "\t", '"', "\\", "'", "x", "é", "{", "}") , maxLength: 12 });
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

    it("refuses a Linux vendor command on Windows (and a Windows one on Linux) instead of running something else", () => {
        const ps = licenseServerPowerShellScript(WORK, { matlab: ["/opt/matlab/etc/lmutil", "{usersFile}"] });
        expect(caseLine(ps, "matlab")).to.contain('Fail "the vendor command of $product is not a Windows path; this license server runs Windows"');
        const sh = licenseServerScript("/var/lib/license-hub", { matlab: [LMUTIL, "{usersFile}"] });
        expect(sh.join("\n")).to.contain(`'matlab') fail "the vendor command of $product is a Windows path; this license server runs Linux" ;;`);
        expect(windowsVendorCommand([LMUTIL, "{usersFile}"])).to.deep.equal({ executable: `'${LMUTIL}'`, arguments: "$usersFile" });
    });

    it("accepts Windows vendor CLI paths in the catalog and refuses work directories that would need quoting", () => {
        const catalog = (command: string[]) => ({ workbenchTypes: { cad: ["matlab"] }, products: { matlab: { licenseServerInstanceId: "i-0123456789abcdef0", command } } });
        expect(catalogProblems(catalog([LMUTIL, "{usersFile}"]), "catalog")).to.deep.equal([]);
        expect(catalogProblems(catalog(["lmutil.exe", "{usersFile}"]), "catalog")).to.deep.equal([
            "catalog.products.matlab.command[0]: must be the absolute path of the vendor CLI (Linux: /opt/..., no spaces; Windows: C:\\...; no placeholders)",
        ]);
        expect(catalogProblems(catalog(["C:\\{product}\\x.exe", "{usersFile}"]), "catalog")[0]).to.match(/command\[0\]: must be the absolute path/);
        for (const bad of ["C:\\Program Files\\hub", "C:\\hub\\", "C:\\hub\\..\\x", "relative\\hub", "C:\\hub'x", "\\\\server\\share"]) {
            expect(() => assertWindowsWorkDirectory(bad), bad).to.throw(/drive-absolute path/);
        }
        assertWindowsWorkDirectory("D:\\license-hub\\lists");
    });
});

describe("sync on a Windows license server: the failed step's result", () => {
    /** Run Command as it answers for a Windows instance: the shell step skipped (reported as success), the PowerShell step refused. */
    function windowsRunCommand(asked: string[]) {
        return {
            async send(command: { constructor: { name: string }; input: { PluginName?: string } }) {
                if (command.constructor.name === "SendCommandCommand") return { Command: { CommandId: "c-1" } };
                asked.push(command.input.PluginName ?? "(whole invocation)");
                if (command.input.PluginName === undefined) return { Status: "Failed", StatusDetails: "Failed", ResponseCode: 1 };
                if (command.input.PluginName === "applyUserList") return { Status: "Success", ResponseCode: 0, StandardOutputContent: "Step execution skipped due to unsatisfied preconditions" };
                return { Status: "Failed", ResponseCode: SUPERSEDED_EXIT_CODE, StandardOutputContent: "license-hub: matlab holds generation 12; generation 9 refused (superseded)" };
            },
        };
    }

    it("reports the PowerShell step's exit code and output, so a superseded generation is recognised on Windows too", async () => {
        const asked: string[] = [];
        const config = { tableName: "t", markerParameterName: "m", products: {}, userListBucket: "b", documentName: "d", configurationFingerprint: "f", deliveryTimeoutSeconds: 60, pollIntervalMs: 1, fullCheckEveryTicks: 10, minCommandIntervalMs: 1000 };
        const ports = awsSyncPorts({ db: {} as never, s3: {} as never, ssm: windowsRunCommand(asked) as never }, config, { sleep: async () => undefined });
        const result = await ports.runLicenseCommand({ product: "matlab", instanceId: "i-0123456789abcdef0", sha256: "a".repeat(64), generation: 9 }, Date.now() + 5000);
        expect(result).to.deep.include({ status: "Failed", responseCode: SUPERSEDED_EXIT_CODE });
        expect(result.output).to.contain("holds generation 12");
        expect(asked).to.deep.equal(["(whole invocation)", "applyUserList", APPLY_WINDOWS_STEP_NAME]);
    });
});
