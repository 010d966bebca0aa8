/**
 * The fleet command's AWS calls, kept thin: Organizations lists the workbench OUs' accounts (nested OUs included, every
 * page), CloudFormation lists the StackSet's instances and applies one action to a batch of accounts in one region as
 * one StackSets operation, waits for it and reports each account-region. Run with the management account's (or the
 * StackSets delegated administrator's) credentials.
 */
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import { accountsUnder } from "../../functions/hub-inventory-watch/membership";
import { organizationsPort } from "../../functions/hub-inventory-watch/organizationsPorts";
import {
    CloudFormationClient,
    CreateStackInstancesCommand,
    DeleteStackInstancesCommand,
    DescribeStackSetOperationCommand,
    DetectStackSetDriftCommand,
    UpdateStackInstancesCommand,
    paginateListStackInstances,
    paginateListStackSetOperationResults,
} from "@aws-sdk/client-cloudformation";
import type { OrganizationAccount, StackInstance } from "./model";
import type { ApplyBatch } from "./executor";

export interface FleetPorts {
    listAccounts(ouIds: readonly string[]): Promise<OrganizationAccount[]>;
    listInstances(): Promise<StackInstance[]>;
    apply: ApplyBatch;
    /** Starts drift detection on the StackSet and waits for it. */
    detectDrift(): Promise<void>;
}

export interface StackSetTarget {
    stackSetName: string;
    ouIds: readonly string[];
    callAs: "SELF" | "DELEGATED_ADMIN";
    /** Accounts of one operation updated at once (StackSets' MaxConcurrentPercentage). */
    maxConcurrentPercentage: number;
    failureTolerancePercentage: number;
}

const DONE = new Set(["SUCCEEDED", "FAILED", "STOPPED"]);

export function awsFleetPorts(clients: { organizations: OrganizationsClient; cloudFormation: CloudFormationClient }, target: StackSetTarget, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): FleetPorts {
    const { organizations, cloudFormation } = clients;
    const common = { StackSetName: target.stackSetName, CallAs: target.callAs } as const;
    const preferences = { RegionConcurrencyType: "PARALLEL" as const, MaxConcurrentPercentage: target.maxConcurrentPercentage, FailureTolerancePercentage: target.failureTolerancePercentage };

    const waitFor = async (operationId: string) => {
        for (let delay = 5_000; ; delay = Math.min(delay * 2, 60_000)) {
            const { StackSetOperation } = await cloudFormation.send(new DescribeStackSetOperationCommand({ ...common, OperationId: operationId }));
            if (DONE.has(StackSetOperation?.Status ?? "")) return;
            await sleep(delay);
        }
    };

    return {
        async listAccounts(ouIds) {
            // The same walk as the hub's membership reader (nested OUs included, every page).
            const accounts = await accountsUnder(ouIds, organizationsPort(organizations));
            return accounts.map((a): OrganizationAccount => ({ accountId: a.id, name: a.name ?? "", status: a.status ?? "ACTIVE", ouId: a.ouId }));
        },

        async listInstances() {
            const instances: StackInstance[] = [];
            for await (const page of paginateListStackInstances({ client: cloudFormation }, common)) {
                for (const s of page.Summaries ?? []) {
                    instances.push({
                        accountId: s.Account!,
                        region: s.Region!,
                        status: s.Status ?? "CURRENT",
                        detailedStatus: s.StackInstanceStatus?.DetailedStatus,
                        driftStatus: s.DriftStatus,
                        statusReason: s.StatusReason,
                    });
                }
            }
            return instances;
        },

        async apply(batch) {
            // Service-managed StackSets target OUs; the account filter narrows the operation to exactly these accounts.
            const targets = { OrganizationalUnitIds: [...target.ouIds], Accounts: batch.rows.map((r) => r.accountId), AccountFilterType: "INTERSECTION" as const };
            const request = { ...common, DeploymentTargets: targets, Regions: [batch.region], OperationPreferences: preferences };
            const started =
                batch.action === "create"
                    ? await cloudFormation.send(new CreateStackInstancesCommand(request))
                    : batch.action === "update"
                      ? await cloudFormation.send(new UpdateStackInstancesCommand(request))
                      : await cloudFormation.send(new DeleteStackInstancesCommand({ ...request, RetainStacks: false }));
            await waitFor(started.OperationId!);
            const results: Awaited<ReturnType<ApplyBatch>> = [];
            for await (const page of paginateListStackSetOperationResults({ client: cloudFormation }, { ...common, OperationId: started.OperationId! })) {
                for (const r of page.Summaries ?? []) {
                    results.push({ accountId: r.Account!, region: r.Region!, ok: r.Status === "SUCCEEDED", reason: r.StatusReason ?? r.Status ?? "" });
                }
            }
            return results;
        },

        async detectDrift() {
            const { OperationId } = await cloudFormation.send(new DetectStackSetDriftCommand({ ...common, OperationPreferences: preferences }));
            await waitFor(OperationId!);
        },
    };
}
