// The package root: the component library (`import { LicenseServerHub } from "pulumi-license-ops"`).
export * from "./components";
