export { BundledFunction, BundledFunctionArgs, AsyncInvocationArgs } from "./lambda/bundledFunction";
export { WorkbenchAccountForwarder, WorkbenchAccountForwarderArgs } from "./workbench/workbenchAccountForwarder";
export * as workbenchEvent from "../functions/shared/workbenchEvent";
