/**
 * The rules for the catalog entries the hub's Lambdas read at run time (workbench type -> products; product ->
 * license server and seats), stated once: the component checks the user's catalog with them before anything is
 * deployed, and the handlers check the environment they are given with them at cold start. Each problem starts with
 * the path it is about.
 */
import { INSTANCE_ID_PATTERN, isValidWorkbenchType } from "../shared/workbenchEvent";
import { isValidProductName } from "./tableKeys";

const NAME_RULE = "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";

/** Problems with one workbench type and the product names it carries. */
export function workbenchTypeEntryProblems(type: string, products: unknown, path: string): string[] {
    const problems: string[] = [];
    if (!isValidWorkbenchType(type)) problems.push(`${path}: workbench type ${JSON.stringify(type)} ${NAME_RULE}`);
    if (!Array.isArray(products) || products.length === 0) return [...problems, `${path}: carries no products (expected a list of product names)`];
    products.forEach((product, i) => {
        if (!isValidProductName(product)) problems.push(`${path}[${i}]: product name ${JSON.stringify(product)} ${NAME_RULE}`);
    });
    if (new Set(products).size !== products.length) problems.push(`${path}: lists a product twice`);
    return problems;
}

/** Highest yearly cost per seat accepted: a typo of several orders of magnitude is caught, real prices are not. */
export const MAX_ANNUAL_COST_PER_SEAT = 10_000_000;

/** Problems with a product's optional yearly cost per seat (any currency, the same for every product). */
export function annualCostProblems(cost: unknown, path: string): string[] {
    if (cost === undefined) return [];
    return typeof cost === "number" && Number.isFinite(cost) && cost >= 0 && cost <= MAX_ANNUAL_COST_PER_SEAT
        ? []
        : [`${path}: annualCostPerSeat must be a number from 0 to ${MAX_ANNUAL_COST_PER_SEAT} (the yearly cost of one seat), or left out (got ${JSON.stringify(cost)})`];
}

/** Problems with one product's name, license server instance id (`instanceField` names it as the reader wrote it) and seats. */
export function productTargetProblems(product: string, instanceId: unknown, seats: unknown, path: string, instanceField: string): string[] {
    const problems: string[] = [];
    if (!isValidProductName(product)) problems.push(`${path}: product name ${JSON.stringify(product)} ${NAME_RULE}`);
    if (typeof instanceId !== "string" || !INSTANCE_ID_PATTERN.test(instanceId)) {
        problems.push(`${path}: ${instanceField} ${JSON.stringify(instanceId)} is not an EC2 instance id (i-...)`);
    }
    if (seats !== undefined && !(Number.isInteger(seats) && (seats as number) > 0)) {
        problems.push(`${path}: seats must be a positive integer, or left out for unlimited (got ${JSON.stringify(seats)})`);
    }
    return problems;
}
